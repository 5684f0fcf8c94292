/* cmd_cat_config.c: `vmapctl cat-config`: the files of the spec set with
 * where each came from, then their text (as systemd-analyze cat-config
 * shows a configuration made of layered directories). */
#include <stdio.h>

#include "cli.h"
#include "output.h"
#include "plan_print.h"
#include "vmapctl.h"

static void print_file(const char *path)
{
	FILE *f = fopen(path, "re");
	if (!f) {
		printf("# (cannot read %s)\n", path);
		return;
	}
	char buf[4096];
	size_t n, last = '\n';
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0) {
		fwrite(buf, 1, n, stdout);
		last = (unsigned char)buf[n - 1];
	}
	if (last != '\n')
		putchar('\n');
	fclose(f);
}

int cmd_cat_config(struct vmap_cli *cli, struct vmap_errlist *errs)
{
	struct vmapctl_opts o;
	struct vmapctl_config cfg;
	cli_opts(cli, &o);
	vmapctl_cat_config(&o, &cfg, errs);
	if (cli->json) {
		json_object *j = json_object_new_object();
		json_object_object_add(j, "source", json_object_new_string(cfg.source));
		json_object *a = json_object_new_array();
		for (size_t i = 0; i < cfg.n_files; i++) {
			const struct vmap_spec_file *f = &cfg.files[i];
			json_object *fo = json_object_new_object();
			json_object_object_add(fo, "name", json_object_new_string(f->name));
			json_object_object_add(fo, "path", json_object_new_string(f->path));
			json_object_object_add(fo, "directory", json_object_new_string(f->dir));
			json_object_object_add(fo, "masked", json_object_new_boolean(f->masked));
			json_object *ov = json_object_new_array();
			for (size_t k = 0; k < f->n_overrides; k++)
				json_object_array_add(ov, json_object_new_string(f->overrides[k]));
			json_object_object_add(fo, "overrides", ov);
			json_object_array_add(a, fo);
		}
		json_object_object_add(j, "files", a);
		json_object_object_add(j, "errors", errors_to_json(errs));
		vmap_print_json(j);
	} else {
		if (!cfg.n_files && !cli->quiet)
			printf("# no spec files (%s)\n", cfg.source);
		for (size_t i = 0; i < cfg.n_files; i++) {
			const struct vmap_spec_file *f = &cfg.files[i];
			if (i)
				putchar('\n');
			if (f->masked) {
				printf("# %s: masked (a link to /dev/null)\n", f->path);
			} else {
				printf("# %s\n", f->path);
				for (size_t k = 0; k < f->n_overrides; k++)
					printf("# (overrides %s)\n", f->overrides[k]);
				print_file(f->path);
			}
			for (size_t k = 0; f->masked && k < f->n_overrides; k++)
				printf("# (masks %s)\n", f->overrides[k]);
		}
	}
	fflush(stdout);
	vmapctl_config_free(&cfg);
	return vmap_report_errors(cli, errs);
}
