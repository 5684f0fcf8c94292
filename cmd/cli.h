/* cli.h: the command line: options, the command table, output helpers.
 *
 * Each command is one row of vmap_commands[] (commands.c): its name, its
 * handler, how many operands it takes, which options it accepts and a
 * one-line help.  The same table feeds `--help`, option checking and the
 * shell completions (a test compares them). */
#ifndef VMAP_CLI_H
#define VMAP_CLI_H

#include <stdbool.h>
#include <stddef.h>

#include "base/error.h"

enum vmap_opt {
	OPT_FILE,          /* -f PATH (repeatable) */
	OPT_JSON,
	OPT_DETAILED_EXITCODE,
	OPT_ALLOW_RECREATE,
	OPT_ALLOW_SHRINK,
	OPT_ALLOW_REMAP,
	OPT_PRUNE,
	OPT_DRY_RUN,
	OPT_LOCK_TIMEOUT,
	OPT_UDEV_TIMEOUT,
	OPT_SUSPEND_TIMEOUT,
	OPT_VERBOSE,
	OPT_QUIET,
	OPT_COLOR,
	OPT_LIVE_STATE,    /* plan: read live state from a JSON snapshot */
	OPT_LIVE_STATE_OUT,/* status: write a live-state snapshot */
	OPT_DEVICE,        /* activate --device DEV */
	OPT_FORMAT,        /* export --format, status --format */
	OPT_ROOT,          /* --root DIR: prefix of the default spec directories */
	OPT_MIGRATE,       /* plan/apply --migrate: move remapped data (contract 5.10) */
	OPT_MIGRATE_RATE,  /* --migrate-rate KIB: the copy's limit, KiB/s */
	OPT_NO_WAIT,       /* apply --no-wait: start migrations, do not wait for them */
	OPT_WAIT,          /* recover --wait: wait for migrations still copying */
	OPT_DETACH,        /* activate --detach: rounds in the background */
	OPT_HELP,
	OPT__COUNT
};

#define O(x) (1u << (x))
/* Options every command takes. */
#define OPTS_COMMON (O(OPT_VERBOSE) | O(OPT_QUIET) | O(OPT_COLOR) | O(OPT_HELP) | O(OPT_JSON))

enum vmap_color { COLOR_AUTO, COLOR_ALWAYS, COLOR_NEVER };

struct vmap_cli {
	const char *command;     /* the command's name (for the log) */
	const char **files;
	size_t n_files;
	bool json, detailed_exitcode, allow_recreate, allow_shrink, allow_remap, prune, dry_run;
	bool migrate, no_wait, wait, detach;
	unsigned migrate_rate;   /* KiB/s, 0 = no limit */
	double lock_timeout, udev_timeout, suspend_timeout;
	int verbose;
	bool quiet;
	enum vmap_color color;
	bool use_color;          /* decided from --color, NO_COLOR and the tty */
	const char *live_state;
	const char *live_state_out;
	const char *device;
	const char *format;
	const char *root;
	char **args;             /* operands after the command name */
	int n_args;
	unsigned given;          /* O(opt) for every option given */
	/* the environment, read once by main.c (vmapctl(8), ENVIRONMENT) */
	const char *env_spec_dir;  /* VMAPCTL_SPEC_DIR */
	const char *env_run_dir;   /* VMAPCTL_RUN_DIR */
	const char *env_lock_file; /* VMAPCTL_LOCK_FILE */
	const char *env_test_hook; /* VMAPCTL_TEST_HOOK */
	int env_runner_fd;         /* VMAPCTL_RUNNER_FD (the udev helper), or -1 */
	bool progress;             /* stderr is a terminal that redraws a line (TERM) */
};

struct vmap_command {
	const char *name;
	int (*run)(struct vmap_cli *cli, struct vmap_errlist *errs); /* returns an exit code */
	int min_args, max_args;  /* operands; max -1 = any */
	unsigned opts;           /* O(opt) accepted besides OPTS_COMMON */
	const char *usage;       /* operands, e.g. "NAME..." */
	const char *help;        /* one line */
};

struct vmap_option_info {
	const char *long_name;
	char short_name;         /* 0 if none */
	const char *arg;         /* argument name, NULL for flags */
	const char *help;
	const char *const *values; /* fixed values for completion, or NULL */
};

extern const struct vmap_command vmap_commands[];
extern const struct vmap_option_info vmap_options[OPT__COUNT];

/* Exit codes of the contract (section 3). */
enum {
	EXIT_OK = 0,
	EXIT_FAILED = 1,
	EXIT_CHANGES = 2,
	EXIT_REFUSED = 3,
	EXIT_USAGE = 64,
	EXIT_SPEC = 65,
	EXIT_LOCK = 75,
};

/* The library's options for this command line (vmapctl.h). */
struct vmapctl_opts;
void cli_opts(const struct vmap_cli *cli, struct vmapctl_opts *o);

/* Print every error to stderr and return the exit code the worst one maps
 * to (exitcode.c: the one place errors become exit codes). */
int vmap_report_errors(const struct vmap_cli *cli, struct vmap_errlist *errs);
int vmap_exit_code(enum vmap_errkind kind);

/* The commands. */
int cmd_validate(struct vmap_cli *cli, struct vmap_errlist *errs);
int cmd_plan(struct vmap_cli *cli, struct vmap_errlist *errs);
int cmd_apply(struct vmap_cli *cli, struct vmap_errlist *errs);
int cmd_status(struct vmap_cli *cli, struct vmap_errlist *errs);
int cmd_destroy(struct vmap_cli *cli, struct vmap_errlist *errs);
int cmd_recover(struct vmap_cli *cli, struct vmap_errlist *errs);
int cmd_activate(struct vmap_cli *cli, struct vmap_errlist *errs);
int cmd_version(struct vmap_cli *cli, struct vmap_errlist *errs);
int cmd_export(struct vmap_cli *cli, struct vmap_errlist *errs);
int cmd_adopt(struct vmap_cli *cli, struct vmap_errlist *errs);
int cmd_cat_config(struct vmap_cli *cli, struct vmap_errlist *errs);

#endif
