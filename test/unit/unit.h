/* unit.h: what every C unit test includes (cmocka, in Debian as
 * libcmocka-dev: assertions, fixtures and TAP output for test/run-suite). */
#ifndef VMAP_UNIT_H
#define VMAP_UNIT_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#endif
