/* main.c: parse the command line, pick the command from the table, run it.
 *
 * Options may appear before or after the command name (getopt_long
 * permutes).  Each command accepts OPTS_COMMON plus its own; any other
 * option is a usage error (exit 64), as is a wrong number of operands. */
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "exec/migrate.h"
#include "base/util.h"

static void usage_all(FILE *f)
{
	fprintf(f, "usage: vmapctl COMMAND [OPTION...] [ARG...]\n\n"
		   "Make the kernel's device-mapper volumes match a YAML spec set.\n\ncommands:\n");
	for (const struct vmap_command *c = vmap_commands; c->name; c++)
		fprintf(f, "  %-10s %-10s %s\n", c->name, c->usage, c->help);
	fprintf(f, "\n'vmapctl COMMAND --help' lists a command's options.\n");
}

static void usage_cmd(FILE *f, const struct vmap_command *c)
{
	fprintf(f, "usage: vmapctl %s [OPTION...] %s\n%s\n\noptions:\n", c->name, c->usage, c->help);
	for (int o = 0; o < OPT__COUNT; o++) {
		if (!((c->opts | OPTS_COMMON) & O(o)))
			continue;
		const struct vmap_option_info *oi = &vmap_options[o];
		char *lhs = oi->short_name
				    ? xasprintf("-%c, --%s%s%s", oi->short_name, oi->long_name,
						oi->arg ? " " : "", oi->arg ? oi->arg : "")
				    : xasprintf("    --%s%s%s", oi->long_name, oi->arg ? " " : "",
						oi->arg ? oi->arg : "");
		fprintf(f, "  %-26s %s\n", lhs, oi->help);
		free(lhs);
	}
}

__attribute__((format(printf, 1, 2)))
static int usage_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "vmapctl: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, " (see 'vmapctl --help')\n");
	va_end(ap);
	return EXIT_USAGE;
}

static int parse_seconds(const char *s, double *out)
{
	char *end;
	double v = strtod(s, &end);
	if (end == s || *end || !(v >= 0) || v > 86400.0 * 365)
		return -1;
	*out = v;
	return 0;
}

/* VMAPCTL_RUNNER_FD: a descriptor number, or -1 (unset, or not one) */
static int parse_runner_fd(const char *s)
{
	uint64_t v;
	return s && parse_u64(s, &v) && v > 2 && v < (uint64_t)INT_MAX ? (int)v : -1;
}

static const struct vmap_command *find_command(const char *name)
{
	for (const struct vmap_command *c = vmap_commands; c->name; c++)
		if (!strcmp(c->name, name))
			return c;
	return NULL;
}

int main(int argc, char **argv)
{
	struct vmap_cli cli = {.lock_timeout = 60, .udev_timeout = 30, .suspend_timeout = 30,
			       .migrate_rate = VMAP_MIGRATE_RATE_DEFAULT};
	struct option longopts[OPT__COUNT + 1];
	struct sbuf shortopts = {0};
	int rc;

	sbuf_add(&shortopts, "+"); /* see below: stop at the command name first */
	for (int o = 0; o < OPT__COUNT; o++) {
		const struct vmap_option_info *oi = &vmap_options[o];
		longopts[o] = (struct option){oi->long_name, oi->arg ? required_argument : no_argument,
					      NULL, 1000 + o};
		if (oi->short_name) {
			sbuf_addc(&shortopts, oi->short_name);
			if (oi->arg)
				sbuf_addc(&shortopts, ':');
		}
	}
	longopts[OPT__COUNT] = (struct option){0};

	const char **files = NULL;
	size_t files_cap = 0;
	const char *color = NULL;
	const struct vmap_command *cmd = NULL;
	int pass = 0;
	opterr = 0;
	/* Two passes: options before the command name (stop there: '+'),
	 * then the rest with permutation so options may follow operands. */
	for (;;) {
		int c, li;
		const char *so = sbuf_str(&shortopts) + (pass ? 1 : 0);
		while ((c = getopt_long(argc, argv, so, longopts, &li)) != -1) {
			int o = -1;
			if (c >= 1000)
				o = c - 1000;
			else
				for (int k = 0; k < OPT__COUNT; k++)
					if (vmap_options[k].short_name && vmap_options[k].short_name == c)
						o = k;
			if (o < 0) {
				if (optopt && optopt < 1000)
					rc = usage_error("unknown option '-%c' or missing argument", optopt);
				else
					rc = usage_error("unknown option '%s' or missing argument",
							 argv[optind - 1]);
				goto out;
			}
			cli.given |= O(o);
			switch (o) {
			case OPT_FILE: VEC_PUSH(files, cli.n_files, files_cap, optarg); break;
			case OPT_JSON: cli.json = true; break;
			case OPT_DETAILED_EXITCODE: cli.detailed_exitcode = true; break;
			case OPT_ALLOW_RECREATE: cli.allow_recreate = true; break;
			case OPT_ALLOW_SHRINK: cli.allow_shrink = true; break;
			case OPT_ALLOW_REMAP: cli.allow_remap = true; break;
			case OPT_PRUNE: cli.prune = true; break;
			case OPT_DRY_RUN: cli.dry_run = true; break;
			case OPT_LOCK_TIMEOUT:
				if (parse_seconds(optarg, &cli.lock_timeout) < 0) {
					rc = usage_error("--lock-timeout needs seconds, not '%s'", optarg);
					goto out;
				}
				break;
			case OPT_UDEV_TIMEOUT:
				if (parse_seconds(optarg, &cli.udev_timeout) < 0) {
					rc = usage_error("--udev-timeout needs seconds, not '%s'", optarg);
					goto out;
				}
				break;
			case OPT_SUSPEND_TIMEOUT:
				if (parse_seconds(optarg, &cli.suspend_timeout) < 0) {
					rc = usage_error("--suspend-timeout needs seconds, not '%s'", optarg);
					goto out;
				}
				break;
			case OPT_VERBOSE: cli.verbose++; break;
			case OPT_QUIET: cli.quiet = true; break;
			case OPT_COLOR: color = optarg; break;
			case OPT_LIVE_STATE: cli.live_state = optarg; break;
			case OPT_LIVE_STATE_OUT: cli.live_state_out = optarg; break;
			case OPT_DEVICE: cli.device = optarg; break;
			case OPT_FORMAT: cli.format = optarg; break;
			case OPT_ROOT: cli.root = optarg; break;
			case OPT_MIGRATE: cli.migrate = true; break;
			case OPT_NO_WAIT: cli.no_wait = true; break;
			case OPT_WAIT: cli.wait = true; break;
			case OPT_DETACH: cli.detach = true; break;
			case OPT_MIGRATE_RATE: {
				char *end;
				unsigned long long v = strtoull(optarg, &end, 10);
				if (end == optarg || *end || *optarg == '-' || v > 0xffffffffULL) {
					rc = usage_error("--migrate-rate needs KiB per second, not '%s'",
							 optarg);
					goto out;
				}
				cli.migrate_rate = (unsigned)v;
				break;
			}
			case OPT_HELP: break;
			}
		}
		if (pass == 1)
			break;
		if (optind >= argc) {
			if (cli.given & O(OPT_HELP)) {
				usage_all(stdout);
				rc = EXIT_OK;
			} else {
				usage_all(stderr);
				rc = EXIT_USAGE;
			}
			goto out;
		}
		cmd = find_command(argv[optind]);
		if (!cmd) {
			rc = usage_error("unknown command '%s'", argv[optind]);
			goto out;
		}
		/* Re-scan what follows the command name with permutation. */
		argv += optind;
		argc -= optind;
		/* 0, not 1: glibc only forgets its permutation state then */
		optind = 0;
		pass = 1;
	}

	if (cli.given & O(OPT_HELP)) {
		usage_cmd(stdout, cmd);
		rc = EXIT_OK;
		goto out;
	}
	for (int o = 0; o < OPT__COUNT; o++)
		if ((cli.given & O(o)) && !((cmd->opts | OPTS_COMMON) & O(o))) {
			rc = usage_error("'%s' does not take --%s", cmd->name, vmap_options[o].long_name);
			goto out;
		}
	cli.command = cmd->name;
	cli.args = argv + optind;
	cli.n_args = argc - optind;
	if (cli.n_args < cmd->min_args || (cmd->max_args >= 0 && cli.n_args > cmd->max_args)) {
		rc = usage_error(cli.n_args < cmd->min_args ? "'%s' needs more arguments"
							    : "'%s' takes fewer arguments",
				 cmd->name);
		goto out;
	}
	if (!color || !strcmp(color, "auto"))
		cli.color = COLOR_AUTO;
	else if (!strcmp(color, "always"))
		cli.color = COLOR_ALWAYS;
	else if (!strcmp(color, "never"))
		cli.color = COLOR_NEVER;
	else {
		rc = usage_error("--color takes auto, always or never, not '%s'", color);
		goto out;
	}
	/* The environment, read here once and passed down (vmapctl(8)).
	 * NO_COLOR (no-color.org) wins over auto, not over an explicit --color. */
	const char *nc = getenv("NO_COLOR");
	cli.use_color = cli.color == COLOR_ALWAYS ||
			(cli.color == COLOR_AUTO && !(nc && *nc) && isatty(STDOUT_FILENO));
	/* progress redraws its line with "\r\033[K": only on a terminal that
	 * is not TERM=dumb (an editor's shell buffer, a bare serial console) */
	const char *term = getenv("TERM");
	cli.progress = isatty(STDERR_FILENO) && !(term && !strcmp(term, "dumb"));
	cli.env_spec_dir = getenv("VMAPCTL_SPEC_DIR");
	cli.env_run_dir = getenv("VMAPCTL_RUN_DIR");
	cli.env_lock_file = getenv("VMAPCTL_LOCK_FILE");
	cli.env_test_hook = getenv("VMAPCTL_TEST_HOOK");
	/* the runner lock vmapctl-udev-activate took, passed across its exec; for
	 * this process only (not the programs it starts) */
	cli.env_runner_fd = parse_runner_fd(getenv("VMAPCTL_RUNNER_FD"));
	unsetenv("VMAPCTL_RUNNER_FD");
	cli.files = files;

	struct vmap_errlist errs = {0};
	rc = cmd->run(&cli, &errs);
	vmap_errlist_clear(&errs);
out:
	free(files);
	sbuf_free(&shortopts);
	return rc;
}
