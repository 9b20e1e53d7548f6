/* test_optable.c -- the option-table engine (gateway/optable.h) on a table
 * of its own, as the collector's cconfig.c uses it: nothing in it is
 * specific to the gateway's options.
 */
#define _DEFAULT_SOURCE /* mkdtemp */
#include <criterion/criterion.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "optable.h"

struct demo {
    char path[64];
    uint16_t count;
    int8_t offset;
    int mode;
    char feed[64];
    char config[128];
    int action;
    struct optable_value values[8];
};

static const struct optable_choice modes[] = {{"fast", 1}, {"safe", 2}, {NULL, 0}};
static const struct optable_choice help[] = {{"help", 7}, {NULL, 0}};

#define F(f) offsetof(struct demo, f), sizeof(((struct demo *)0)->f)
static const struct optable_def rows[] = {
    {"config", 'c', NULL, OPTABLE_CLI_CONFIG, F(config), NULL, 0, 0, 0, NULL, NULL, "FILE", "file"},
    {"help", 'h', NULL, OPTABLE_CLI_ACTION, F(action), NULL, 0, 0, 0, help, NULL, NULL, "help"},
    {"path", 0, "main", OPTABLE_STRING, F(path), NULL, OPTABLE_REQUIRED, 0, 0, NULL, NULL, "P", "a path"},
    {"count", 0, "main", OPTABLE_UINT, F(count), "3", 0, 1, 100, NULL, NULL, "N", "a count"},
    {"offset", 0, "tune", OPTABLE_INT, F(offset), "0", 0, -5, 5, NULL, NULL, "N", "an offset"},
    {"mode", 0, "tune", OPTABLE_CHOICE, F(mode), "safe", 0, 0, 0, modes, NULL, "M", "a mode"},
    {"feed", 0, "tune", OPTABLE_STRING, F(feed), "", OPTABLE_EMPTY_OK, 0, 0, NULL,
     optable_check_endpoint, "E", "an endpoint"},
};
static const char *const sections[] = {"main", "tune"};
static const struct optable table = {rows, sizeof rows / sizeof rows[0], sections, 2};

static struct demo d;
static char dir[64], ini[128], err[4096];

static void setup(void)
{
    strcpy(dir, "/tmp/lofte-optable-XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
    snprintf(ini, sizeof ini, "%s/demo.ini", dir);
    memset(&d, 0, sizeof d);
    optable_init(&table, d.values);
    err[0] = 0;
}

static void teardown(void)
{
    unlink(ini);
    rmdir(dir);
}

static void write_ini(const char *text)
{
    FILE *f = fopen(ini, "w");
    cr_assert_not_null(f);
    fputs(text, f);
    fclose(f);
}

TestSuite(optable, .init = setup, .fini = teardown);

Test(optable, fills_typed_fields_of_any_table_from_defaults_file_and_command_line)
{
    char *argv[] = {"demo", "--config", ini, "--offset", "-2", NULL};
    write_ini("[main]\npath = /srv/x ; a comment\n[tune]\nmode = fast\noffset = 4\n");
    cr_assert_eq(optable_parse_args(&table, &d, d.values, 5, argv, err, sizeof err), OPTABLE_OK,
                 "%s", err);
    cr_assert_str_eq(d.config, ini);
    cr_assert_eq(optable_load_file(&table, d.values, d.config, err, sizeof err), OPTABLE_OK,
                 "%s", err);
    cr_assert_eq(optable_check(&table, &d, d.values, err, sizeof err), OPTABLE_OK, "%s", err);
    cr_assert_str_eq(d.path, "/srv/x");
    cr_assert_eq(d.count, 3);   /* default */
    cr_assert_eq(d.offset, -2); /* the command line wins over the file's 4 */
    cr_assert_eq(d.mode, 1);
    cr_assert(strstr(optable_origin(&table, d.values, "path"), "demo.ini:2"));
    cr_assert_str_eq(optable_origin(&table, d.values, "offset"), "option --offset");
    cr_assert_str_eq(optable_origin(&table, d.values, "count"), "default");
}

Test(optable, reports_every_problem_of_the_file_and_the_values_in_one_pass_by_file_line)
{
    int rc;
    write_ini("[main]\ncount = 0\nbogus = 1\noffset = 1\n[tune]\nmode = slow\n"
              "feed = nowhere\n[extra]\nx = 1\n");
    rc = optable_load_file(&table, d.values, ini, err, sizeof err);
    cr_assert_eq(rc, OPTABLE_ERR_UNKNOWN);
    rc = optable_check_after(&table, &d, d.values, rc, err, sizeof err);
    cr_assert_eq(rc, OPTABLE_ERR_UNKNOWN, "the file's first code is returned");
    {
        char want[6][256];
        size_t i;
        snprintf(want[0], sizeof want[0], "%s:3: unknown key 'bogus'", ini);
        snprintf(want[1], sizeof want[1], "%s:4: offset belongs in [tune], not [main]", ini);
        snprintf(want[2], sizeof want[2], "%s:8: unknown section [extra]", ini);
        snprintf(want[3], sizeof want[3], "%s:2: count: 0 is out of range 1..100", ini);
        snprintf(want[4], sizeof want[4], "%s:6: mode: 'slow' is not one of fast, safe", ini);
        snprintf(want[5], sizeof want[5], "%s:7: feed: 'nowhere' is not an endpoint", ini);
        for (i = 0; i < 6; i++)
            cr_assert(strstr(err, want[i]), "missing \"%s\" in:\n%s", want[i], err);
        cr_assert(strstr(err, "path is required"), "%s", err);
    }
}

Test(optable, an_action_row_sets_its_field_and_a_stray_word_is_a_usage_error)
{
    char *argv[] = {"demo", "-h", "stray", NULL};
    cr_assert_eq(optable_parse_args(&table, &d, d.values, 3, argv, err, sizeof err),
                 OPTABLE_ERR_USAGE);
    cr_assert_eq(d.action, 7);
    cr_assert(strstr(err, "unexpected argument 'stray'"), "%s", err);
}

Test(optable, usage_lists_command_line_rows_then_each_section)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    cr_assert_not_null(f);
    optable_usage(&table, f);
    fclose(f);
    cr_assert(strstr(text, "--config FILE"), "%s", text);
    cr_assert(strstr(text, "[main]") < strstr(text, "[tune]"), "%s", text);
    cr_assert(strstr(text, "--offset N") > strstr(text, "[tune]"), "%s", text);
    cr_assert(strstr(text, "one of fast, safe; default safe"), "%s", text);
    free(text);
}
