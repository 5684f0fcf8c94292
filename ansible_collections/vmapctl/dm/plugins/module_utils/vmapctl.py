# -*- coding: utf-8 -*-
# Shared by the vmapctl and vmapctl_info modules: running the vmapctl
# binary with --json and turning its output into Ansible results.
#
# vmapctl prints exactly one JSON object on stdout with --json, also when
# it fails; its errors are in that object ("errors", each with a
# "message" that is the line stderr gets).  The exit codes are the
# contract's: 0 ok, 2 changes (with --detailed-exitcode), 1 failed,
# 3 refused, 64 usage, 65 invalid spec, 75 lock not acquired.

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import os

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_CHANGES = 2
EXIT_REFUSED = 3
EXIT_USAGE = 64
EXIT_SPEC = 65
EXIT_LOCK = 75

EXIT_MEANING = {
    EXIT_FAILED: 'failed',
    EXIT_REFUSED: 'refused by policy',
    EXIT_USAGE: 'usage error',
    EXIT_SPEC: 'invalid spec',
    EXIT_LOCK: 'lock not acquired',
}


def find_binary(module, binary):
    """The vmapctl to run: a path as given, or a name looked up in PATH
    and the sbin directories (make install puts it in /usr/local/sbin)."""
    if os.sep in binary:
        if not (os.path.isfile(binary) and os.access(binary, os.X_OK)):
            module.fail_json(msg="vmapctl binary '%s' is not an executable file" % binary)
        return binary
    return module.get_bin_path(binary, required=True,
                               opt_dirs=['/usr/local/sbin', '/usr/sbin', '/sbin'])


class VmapctlRun(object):
    """One run of vmapctl: argv, exit code, the JSON object, stderr."""

    def __init__(self, argv, rc, out, err):
        self.argv = argv
        self.rc = rc
        self.stdout = out
        self.stderr = err
        self.data = None
        try:
            data = json.loads(out) if out and out.strip() else None
        except ValueError:
            data = None
        if isinstance(data, dict):
            self.data = data

    @property
    def errors(self):
        errs = self.data.get('errors') if self.data else None
        return errs if isinstance(errs, list) else []


def run_json(module, argv, environ=None):
    """Run vmapctl (argv includes --json) and return a VmapctlRun."""
    env = {'LC_ALL': 'C'}
    env.update(environ or {})
    rc, out, err = module.run_command(argv, check_rc=False, environ_update=env)
    return VmapctlRun(argv, rc, out, err)


def default_set_environ():
    """The environment for a vmapctl run that reads its default spec set:
    $VMAPCTL_SPEC_DIR, when the module inherited one, would replace it."""
    return {'VMAPCTL_SPEC_DIR': ''}


def error_messages(errors):
    """vmapctl's own error lines from an `errors` list.

    The common error objects carry the whole line in `message`; those of
    `validate --json` carry the position in separate keys, put back here
    in front as vmapctl prints it on stderr."""
    lines = []
    for e in errors:
        if not isinstance(e, dict) or not e.get('message'):
            continue
        msg = e['message']
        if 'kind' not in e and e.get('file'):
            where = e['file']
            if e.get('line'):
                where += ':%d:%d' % (e['line'], e.get('column') or 0)
            prefix = where + ': '
            if e.get('volume'):
                prefix += "volume '%s': " % e['volume']
            msg = prefix + msg
        lines.append(msg)
    return lines


def failure_message(run, what):
    """The message for a failed vmapctl run: vmapctl's own errors, else its
    stderr, else the exit code."""
    lines = error_messages(run.errors)
    if not lines and run.stderr:
        lines = [line[len('vmapctl: '):] if line.startswith('vmapctl: ') else line
                 for line in run.stderr.strip().splitlines()]
    if not lines:
        lines = ['vmapctl exited %d without a message' % run.rc]
    meaning = EXIT_MEANING.get(run.rc, 'exit code %d' % run.rc)
    return 'vmapctl %s: %s (exit %d): %s' % (what, meaning, run.rc, '; '.join(lines))


def fail_run(module, run, what, **extra):
    """fail_json with vmapctl's message, rc, errors, stderr and the argv."""
    result = dict(rc=run.rc, cmd=run.argv, errors=run.errors, stderr=run.stderr)
    if run.data is None and run.stdout:
        result['stdout'] = run.stdout
    result.update(extra)
    module.fail_json(msg=failure_message(run, what), **result)
