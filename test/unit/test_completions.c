/* test_completions.c: the shell completions (completions/) know every
 * command and every option the binary has.
 *
 * The truth is what the binary says: `vmapctl --help` lists the commands
 * (from the command table, cmd/commands.c) and `vmapctl CMD --help` each
 * command's options.  Each completion file has a layout the check relies
 * on (described at its top):
 *   bash  commands in `local commands="..."`, options in the arm
 *         `CMD) opts="..." ;;`
 *   zsh   commands as 'CMD:help' lines, options in the arm
 *         `(CMD) _vmapctl_command_args ... ;;`
 *   fish  `-a CMD` per command; per option a `-l NAME` line whose condition
 *         `__vmapctl_using CMD...` lists the commands (no condition: all)
 * A command or option added to the table without its completion fails
 * here, naming what is missing where.  Runs on the host: it only reads
 * files and runs `vmapctl --help` ($VMAPCTL_BIN, else ./vmapctl). */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"

#include "base/util.h"

struct opt {
	char *lng;   /* "file" */
	char shrt;   /* 'f', or 0 */
};

struct cmd {
	char *name;
	struct opt *opts;
	size_t n_opts, cap;
};

static struct cmd *cmds;
static size_t n_cmds, cap_cmds;

static char *slurp_cmd(const char *cmdline)
{
	FILE *p = popen(cmdline, "r");
	assert_non_null(p);
	struct sbuf b = {0};
	char buf[4096];
	size_t n;
	while ((n = fread(buf, 1, sizeof(buf), p)) > 0)
		sbuf_addn(&b, buf, n);
	int st = pclose(p);
	if (st != 0)
		fail_msg("'%s' exited with status %d", cmdline, st);
	return sbuf_take(&b);
}

static char *slurp_file(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		fail_msg("cannot read %s (run the unit tests from the top of the tree)", path);
	struct sbuf b = {0};
	char buf[4096];
	size_t n;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		sbuf_addn(&b, buf, n);
	fclose(f);
	return sbuf_take(&b);
}

static const char *bin(void)
{
	const char *b = getenv("VMAPCTL_BIN");
	return b && *b ? b : "./vmapctl";
}

/* The commands from `vmapctl --help`: "  NAME  [USAGE]  help" lines after
 * "commands:", up to the blank line. */
static void read_commands(void)
{
	char *cl = xasprintf("'%s' --help", bin());
	char *help = slurp_cmd(cl);
	free(cl);
	char *s = strstr(help, "\ncommands:\n");
	assert_non_null(s);
	s += strlen("\ncommands:\n");
	for (char *save = NULL, *line = strtok_r(s, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, "  ", 2) || line[2] == ' ')
			break;
		char name[64];
		assert_int_equal(sscanf(line, " %63s", name), 1);
		VEC_PUSH(cmds, n_cmds, cap_cmds, ((struct cmd){.name = xstrdup(name)}));
	}
	free(help);
	assert_true(n_cmds >= 5);
}

/* The options of one command from `vmapctl CMD --help`: the option
 * column of each line after "options:" ("-f, --file PATH" or "--json"). */
static void read_options(struct cmd *c)
{
	char *cl = xasprintf("'%s' %s --help", bin(), c->name);
	char *help = slurp_cmd(cl);
	free(cl);
	char *s = strstr(help, "\noptions:\n");
	assert_non_null(s);
	s += strlen("\noptions:\n");
	for (char *save = NULL, *line = strtok_r(s, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		struct opt o = {0};
		char lng[64];
		char *p = line + strspn(line, " ");
		if (p[0] == '-' && p[1] != '-') {
			o.shrt = p[1];
			p += 2 + strspn(p + 2, ", ");
		}
		if (sscanf(p, "--%63[a-z0-9-]", lng) != 1)
			fail_msg("cannot read the option in '%s'", line);
		o.lng = xstrdup(lng);
		VEC_PUSH(c->opts, c->n_opts, c->cap, o);
	}
	free(help);
	assert_true(c->n_opts >= 4);
}

static int setup(void **state)
{
	(void)state;
	read_commands();
	for (size_t i = 0; i < n_cmds; i++)
		read_options(&cmds[i]);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	for (size_t i = 0; i < n_cmds; i++) {
		for (size_t k = 0; k < cmds[i].n_opts; k++)
			free(cmds[i].opts[k].lng);
		free(cmds[i].opts);
		free(cmds[i].name);
	}
	free(cmds);
	return 0;
}

/* `word` appears in `text` as a whole word (bounded by blanks, quotes,
 * parentheses or the ends). */
static bool has_word(const char *text, size_t len, const char *word)
{
	size_t wl = strlen(word);
	static const char *const bounds = " \t\n'\"(){}|=;";
	for (const char *p = text; p + wl <= text + len; p++) {
		if (strncmp(p, word, wl))
			continue;
		bool left = p == text || strchr(bounds, p[-1]);
		bool right = p + wl == text + len || strchr(bounds, p[wl]);
		if (left && right)
			return true;
	}
	return false;
}

/* The text of the case arm for `cmd`: from a line starting (after
 * blanks) with `open` + cmd + `close` to the next ";;". */
static bool arm(const char *file, const char *open, const char *cmd, const char *close,
		const char **text, size_t *len)
{
	char *head = xasprintf("%s%s%s", open, cmd, close);
	const char *p = file;
	bool found = false;
	while ((p = strstr(p, head))) {
		const char *bol = p;
		while (bol > file && (bol[-1] == ' ' || bol[-1] == '\t'))
			bol--;
		if (bol == file || bol[-1] == '\n') {
			const char *end = strstr(p, ";;");
			assert_non_null(end);
			*text = p;
			*len = (size_t)(end - p);
			found = true;
			break;
		}
		p++;
	}
	free(head);
	return found;
}

struct missing {
	struct sbuf b;
	size_t n;
};

__attribute__((format(printf, 2, 3)))
static void miss(struct missing *m, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = xvasprintf(fmt, ap);
	va_end(ap);
	sbuf_printf(&m->b, "  %s\n", s);
	free(s);
	m->n++;
}

static void report(struct missing *m, const char *file)
{
	if (m->n)
		fail_msg("%s is out of step with the command table (%zu missing):\n%s", file, m->n,
			 sbuf_str(&m->b));
	sbuf_free(&m->b);
}

static void bash_completion_has_every_command_and_option(void **state)
{
	(void)state;
	const char *path = "completions/vmapctl.bash";
	char *f = slurp_file(path);
	struct missing m = {0};
	const char *cl = strstr(f, "local commands=\"");
	assert_non_null(cl);
	size_t cll = strcspn(cl + 16, "\"") + 16;
	for (size_t i = 0; i < n_cmds; i++) {
		struct cmd *c = &cmds[i];
		const char *t;
		size_t len;
		if (!has_word(cl, cll, c->name))
			miss(&m, "command '%s' is not in commands=\"...\"", c->name);
		if (!arm(f, "", c->name, ") opts=", &t, &len)) {
			miss(&m, "command '%s' has no arm '%s) opts=\"...\" ;;'", c->name, c->name);
			continue;
		}
		for (size_t k = 0; k < c->n_opts; k++) {
			char *lo = xasprintf("--%s", c->opts[k].lng);
			if (!has_word(t, len, lo))
				miss(&m, "'%s %s' is missing", c->name, lo);
			free(lo);
			if (c->opts[k].shrt) {
				char so[3] = {'-', c->opts[k].shrt, 0};
				if (!has_word(t, len, so))
					miss(&m, "'%s %s' is missing", c->name, so);
			}
		}
	}
	report(&m, path);
	free(f);
}

static void zsh_completion_has_every_command_and_option(void **state)
{
	(void)state;
	const char *path = "completions/_vmapctl";
	char *f = slurp_file(path);
	struct missing m = {0};
	for (size_t i = 0; i < n_cmds; i++) {
		struct cmd *c = &cmds[i];
		char *entry = xasprintf("'%s:", c->name);
		if (!strstr(f, entry))
			miss(&m, "command '%s' has no %s...' line in commands", c->name, entry);
		free(entry);
		const char *t;
		size_t len;
		if (!arm(f, "(", c->name, ") _vmapctl_command_args ", &t, &len)) {
			miss(&m, "command '%s' has no arm '(%s) _vmapctl_command_args ... ;;'", c->name,
			     c->name);
			continue;
		}
		for (size_t k = 0; k < c->n_opts; k++) {
			char *lo = xasprintf("--%s", c->opts[k].lng);
			if (!has_word(t, len, lo))
				miss(&m, "'%s %s' is missing", c->name, lo);
			/* and _vmapctl_optspec says how to complete it */
			const char *s;
			size_t sl;
			if (!arm(f, "(", lo, ") reply=", &s, &sl))
				miss(&m, "'%s' has no arm '(%s) reply=(...) ;;' in _vmapctl_optspec", lo, lo);
			else if (c->opts[k].shrt) {
				char so[3] = {'-', c->opts[k].shrt, 0};
				if (!strstr(s, so) || (size_t)(strstr(s, so) - s) > sl)
					miss(&m, "'%s' has no short form '%s' in _vmapctl_optspec", lo, so);
			}
			free(lo);
		}
	}
	report(&m, path);
	free(f);
}

/* The commands in the condition of one fish `complete` line; NULL when
 * it has no __vmapctl_using condition (an option every command takes). */
static bool fish_line_covers(const char *line, size_t len, const char *cmd)
{
	const char *u = strstr(line, "__vmapctl_using ");
	if (!u || (size_t)(u - line) > len)
		return true;
	const char *end = strchr(u, '\'');
	if (!end || (size_t)(end - line) > len)
		return false;
	return has_word(u, (size_t)(end - u), cmd);
}

static void fish_completion_has_every_command_and_option(void **state)
{
	(void)state;
	const char *path = "completions/vmapctl.fish";
	char *f = slurp_file(path);
	struct missing m = {0};
	for (size_t i = 0; i < n_cmds; i++) {
		struct cmd *c = &cmds[i];
		char *a = xasprintf(" -a %s ", c->name);
		if (!strstr(f, a))
			miss(&m, "command '%s' has no 'complete -c vmapctl ...%s' line", c->name, a);
		free(a);
		for (size_t k = 0; k < c->n_opts; k++) {
			char *l = xasprintf(" -l %s", c->opts[k].lng);
			bool found = false, short_ok = !c->opts[k].shrt;
			for (const char *p = f; (p = strstr(p, "\ncomplete -c vmapctl ")); p++) {
				size_t len = strcspn(p + 1, "\n") + 1;
				const char *hit = strstr(p, l);
				if (!hit || (size_t)(hit - p) > len)
					continue;
				char after = hit[strlen(l)];
				if (after != ' ' && after != '\n')
					continue;
				if (!fish_line_covers(p, len, c->name))
					continue;
				found = true;
				if (c->opts[k].shrt) {
					char s[6] = {' ', '-', 's', ' ', c->opts[k].shrt, 0};
					const char *sh = strstr(p, s);
					short_ok = sh && (size_t)(sh - p) < len;
				}
				break;
			}
			if (!found)
				miss(&m, "'%s --%s' is missing (a '-l %s' line whose condition names %s)",
				     c->name, c->opts[k].lng, c->opts[k].lng, c->name);
			else if (!short_ok)
				miss(&m, "'--%s' has no '-s %c'", c->opts[k].lng, c->opts[k].shrt);
			free(l);
		}
	}
	report(&m, path);
	free(f);
}

/* Options with a fixed set of values offer them in every shell. */
static void option_values_are_offered_everywhere(void **state)
{
	(void)state;
	static const char *const files[] = {"completions/vmapctl.bash", "completions/_vmapctl",
					    "completions/vmapctl.fish"};
	static const char *const values[] = {"auto",   "always", "never", "yaml",
					     "concise", "dm-init", "table", "prometheus"};
	for (size_t i = 0; i < 3; i++) {
		char *f = slurp_file(files[i]);
		for (size_t k = 0; k < sizeof(values) / sizeof(values[0]); k++)
			if (!strstr(f, values[k]))
				fail_msg("%s does not offer the value '%s'", files[i], values[k]);
		free(f);
	}
}

/* The check itself must be able to fail: a command it does not know. */
static void the_check_finds_a_missing_command(void **state)
{
	(void)state;
	const char *f = "x) opts=\"--json\" ;;\n";
	const char *t;
	size_t len;
	assert_false(arm(f, "", "frobnicate", ") opts=", &t, &len));
	assert_true(arm(f, "", "x", ") opts=", &t, &len));
	assert_true(has_word(t, len, "--json"));
	assert_false(has_word(t, len, "--js"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(bash_completion_has_every_command_and_option),
		cmocka_unit_test(zsh_completion_has_every_command_and_option),
		cmocka_unit_test(fish_completion_has_every_command_and_option),
		cmocka_unit_test(option_values_are_offered_everywhere),
		cmocka_unit_test(the_check_finds_a_missing_command),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
