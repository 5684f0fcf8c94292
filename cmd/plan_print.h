/* plan_print.h: showing plans and errors (human and JSON). */
#ifndef VMAP_PLAN_PRINT_H
#define VMAP_PLAN_PRINT_H

#include <stdio.h>

#include <json-c/json.h>

#include "cli.h"
#include "base/error.h"
#include "plan/plan.h"

void print_plan_human(FILE *f, const struct vmap_cli *cli, const struct vmap_plan *p);
json_object *plan_to_json(const struct vmap_plan *p);
json_object *errors_to_json(const struct vmap_errlist *errs);

#endif
