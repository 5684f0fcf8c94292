/* opts.c: the library's options from the command line and the
 * environment (read once, by main.c). */
#include <string.h>

#include "cli.h"
#include "vmapctl.h"

void cli_opts(const struct vmap_cli *cli, struct vmapctl_opts *o)
{
	const char *hook = cli->env_test_hook ? cli->env_test_hook : "";
	memset(o, 0, sizeof(*o));
	o->specs = (struct vmap_spec_source){.paths = cli->files, .n_paths = cli->n_files,
					     .spec_dir = cli->env_spec_dir, .root = cli->root};
	o->names = (const char *const *)cli->args;
	o->n_names = (size_t)cli->n_args;
	o->lock_timeout = cli->lock_timeout;
	o->udev_timeout = cli->udev_timeout;
	o->allow_recreate = cli->allow_recreate;
	o->allow_shrink = cli->allow_shrink;
	o->allow_remap = cli->allow_remap;
	o->prune = cli->prune;
	o->migrate = cli->migrate;
	o->migrate_rate = cli->migrate_rate;
	o->no_wait = cli->no_wait;
	o->wait = cli->wait;
	o->live_state = cli->live_state;
	o->live_state_out = cli->live_state_out;
	o->device = cli->device;
	o->run_dir = cli->env_run_dir;
	o->lock_file = cli->env_lock_file;
	o->hook_skip_predict = !strcmp(hook, "skip-predict");
	o->hook_pause_after_suspend = !strcmp(hook, "pause-after-suspend");
}
