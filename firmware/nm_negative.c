/* nm_negative.c -- what check_nm.sh must refuse: an object calling malloc,
 * free and printf. Compiled, never linked into an image; the test
 * fw_nm_check_refuses_heap_and_stdio runs check_nm.sh on it and expects it
 * to fail, so the nm check is known to be able to fail. */
#include <stdio.h>
#include <stdlib.h>

int nm_negative(int n);

int nm_negative(int n)
{
    char *p = malloc((size_t)n);
    if (!p)
        return -1;
    printf("%p\n", (void *)p);
    free(p);
    return 0;
}
