#!/usr/bin/python
# -*- coding: utf-8 -*-

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: vmapctl
short_description: Make device-mapper volumes match vmapctl spec files
version_added: "0.1.0"
description:
  - Puts vmapctl spec files into a spec directory on the host and runs
    C(vmapctl apply) on that directory, so the kernel's device-mapper volumes
    match them. vmapctl loads every new table before it suspends anything,
    rolls back on failure, and refuses changes that could lose data unless
    they are allowed with I(allow).
  - Without I(spec_dir), the files go to C(/etc/vmapctl/volumes.d) and the
    set applied is vmapctl's default set, the one C(vmapctl apply) and boot
    read, C(/etc/vmapctl/volumes.d) layered over C(/run/vmapctl/volumes.d)
    and C(/usr/lib/vmapctl/volumes.d) (a file replaces the file of the same
    name below it, a symlink to C(/dev/null) masks it). With I(spec_dir),
    the set is that directory alone (C(vmapctl apply -f spec_dir)).
  - Either way the set is every spec file there, not only the files given
    in I(specs); other files stay and are applied too, unless
    I(exclusive=true).
  - "Order of a run that changes spec files: the new set (the spec
    directory as it will be, with the other layers as they are) is written
    to a temporary directory on the host, checked with C(vmapctl validate), and planned with C(vmapctl plan)
    with the same I(allow) and I(prune); only when both pass are the files
    written into the spec directory, each atomically (a temporary file in
    the same directory, then a rename). Then C(vmapctl apply) runs. If
    apply fails and the kernel was left as it was (refused, invalid spec,
    lock not acquired, or a failure that vmapctl rolled back), the spec
    files are put back as they were, so the spec directory never describes volumes
    that the kernel refused. If a failed apply had already changed volumes
    and could not roll back, the new files are kept and the failure says so."
  - In check mode the new set is planned in a temporary directory on the
    host (C(vmapctl plan)); nothing is written to the spec directory and the kernel
    is not touched. A change that the real run would refuse fails the check
    run too, with the same message.
  - In diff mode each volume that changes shows its live table (before) and
    the table of the spec (after), in C(dmsetup table) form. Keys never
    appear (vmapctl shows key digests); the text of the spec files is not
    shown either, since it may hold keys (C(hex:)); which files were or
    would be written is in the diff's summary and in C(files).
  - Idempotent; a second run with the same specs reports C(ok), and vmapctl
    makes no ioctl that changes anything when the kernel already matches.
author:
  - vmapctl maintainers (!UNKNOWN)
requirements:
  - vmapctl on the host (C(make install) puts it in C(/usr/local/sbin)).
  - Root on the host (device-mapper needs it); use C(become).
options:
  specs:
    description:
      - Spec files to put into the spec directory (I(spec_dir), else
        C(/etc/vmapctl/volumes.d)). Each is given by its file name and
        either its text (I(content)) or a file on the controller (I(src)).
      - Files whose content is already there are left alone.
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description:
          - File name in the spec directory, ending in C(.yaml) or C(.yml), not
            starting with a dot, without C(/).
          - Required with I(content); with I(src) it defaults to the file name
            of I(src).
        type: str
      content:
        description:
          - The spec, as YAML text (for example from
            C(lookup('ansible.builtin.file', 'data.yaml')) or
            C(lookup('ansible.builtin.template', 'data.yaml.j2'))), or as YAML
            data (a dictionary with C(apiVersion) and C(volumes)), which is
            written as YAML (as JSON when PyYAML is not on the host; vmapctl
            reads both).
          - Mutually exclusive with I(src).
        type: raw
      src:
        description:
          - A spec file on the controller, read there (by the collection's
            action plugin) as M(ansible.builtin.copy) reads its C(src); a
            relative path is looked up in the role's or playbook's C(files/)
            directory. Vault-encrypted files are decrypted.
          - Mutually exclusive with I(content).
        type: path
  spec_dir:
    description:
      - A spec directory on the host that is the whole spec set
        (C(vmapctl -f spec_dir)), for hosts whose volumes are managed from
        somewhere else than vmapctl's default set.
      - When not set, the files go to C(/etc/vmapctl/volumes.d) (under
        I(root)) and the set is vmapctl's layered default set. A vmapctl
        from before the layered set (without C(--root)) reads
        C(/etc/vmapctl/volumes.d) alone; the module then does too.
      - Created (mode 0755) when missing.
    type: path
  root:
    description:
      - Look for the default spec directories under this directory
        (C(vmapctl --root)), for an image being built or a test. Only
        without I(spec_dir).
    type: path
  exclusive:
    description:
      - Remove the spec files (C(*.yaml), C(*.yml)) of the spec directory that are
        not in I(specs), so that the set applied is exactly I(specs).
      - Without I(prune) the volumes of removed files stay in the kernel
        (vmapctl no longer manages them by spec); with it they are removed.
    type: bool
    default: false
  allow:
    description:
      - Changes that could lose data and that vmapctl refuses by default
        (the run fails, exit 3, nothing touched) unless they are allowed.
      - C(shrink) (C(--allow-shrink)) lets volumes get smaller.
      - C(recreate) (C(--allow-recreate)) lets a volume be removed and created
        again where the kernel cannot reload it in place.
      - C(remap) (C(--allow-remap)) lets a volume's sectors show other data;
        it needs a vmapctl that has that option (checked with
        C(vmapctl apply --help)), else the task fails before doing anything.
      - A spec can also allow these per volume (its C(allow:) key).
    type: list
    elements: str
    choices: [shrink, recreate, remap]
    default: []
  prune:
    description:
      - Remove managed volumes that are in no spec of the set
        (C(vmapctl apply --prune)).
    type: bool
    default: false
  state:
    description:
      - C(present) makes the volumes match the spec set.
    type: str
    choices: [present]
    default: present
  binary:
    description:
      - The vmapctl program; a path, or a name looked up in C(PATH),
        C(/usr/local/sbin), C(/usr/sbin) and C(/sbin).
    type: str
    default: vmapctl
  lock_timeout:
    description:
      - Seconds apply waits for another vmapctl run to finish
        (C(--lock-timeout)); vmapctl's default (60) when not set.
    type: int
attributes:
  check_mode:
    description: Plans the new specs on the host, changes nothing.
    support: full
  diff_mode:
    description: Each changed volume's live and new table.
    support: full
  platform:
    description: Linux hosts with device-mapper and vmapctl.
    support: full
    platforms: posix
notes:
  - "Spec files may name key files (C({file: PATH})); put those on the host
    first. Keys written inline (C({hex: ...})) are in the task's arguments;
    use C(no_log) on such a task."
  - One run of the module per host at a time; vmapctl's own lock keeps
    concurrent applies apart, not concurrent writers of the spec directory.
  - With I(exclusive), masks (symlinks to C(/dev/null)) in the spec
    directory go too, like any spec file that is not in I(specs).
seealso:
  - module: vmapctl.dm.vmapctl_info
'''

EXAMPLES = r'''
- name: Volumes from spec files in the playbook's files/ directory
  become: true
  vmapctl.dm.vmapctl:
    specs:
      - src: data.yaml
      - src: cache.yaml

- name: A spec written inline, as YAML data
  become: true
  vmapctl.dm.vmapctl:
    specs:
      - name: scratch.yaml
        content:
          apiVersion: vmapctl/v1
          volumes:
            - name: scratch
              targets:
                - type: linear
                  size: 1GiB
                  device: /dev/disk/by-id/virtio-disk1
                  offset: 2048

- name: A spec from a template, with shrinking allowed for this run
  become: true
  vmapctl.dm.vmapctl:
    specs:
      - name: data.yaml
        content: "{{ lookup('ansible.builtin.template', 'data.yaml.j2') }}"
    allow: [shrink]

- name: Exactly these specs; volumes of other specs are removed
  become: true
  vmapctl.dm.vmapctl:
    specs:
      - src: data.yaml
    exclusive: true
    prune: true

- name: What would change (run the play with --check --diff to see tables)
  become: true
  vmapctl.dm.vmapctl:
    specs:
      - src: data.yaml
  check_mode: true
  register: vmapctl_plan

- name: Show what each volume would get
  ansible.builtin.debug:
    msg: "{{ item.volume }}: {{ item.action }} (risk {{ item.risk | default('unknown', true) }})"
  loop: "{{ vmapctl_plan.actions }}"
'''

RETURN = r'''
plan:
  description:
    - The plan as C(vmapctl plan --json) and C(vmapctl apply --json) print it
      (vmapctl's C(schema/plan.schema.json)), with C(changes), C(volumes) (each
      with C(name), C(action), C(refused), C(reasons), C(current) and
      C(desired) tables, and C(risk) where vmapctl reports it), C(steps) and
      C(notes).
    - In check mode the plan of the new specs; in a real run the plan that
      apply carried out. Paths of the temporary directory are given as
      the paths of the files on the host.
    - C(null) when vmapctl stopped before it had a plan.
  returned: always, also on failure when vmapctl got that far
  type: dict
  sample:
    changes: 1
    volumes:
      - name: data
        action: reload
        refused: false
        waiting: false
        source: {file: /etc/vmapctl/volumes.d/data.yaml, line: 3, column: 5}
        reasons: [its table differs from the spec, grows from 65536 to 131072 sectors]
        notes: []
        suspend: flush
        current: [{start: 0, length: 65536, type: linear, params: "7:0 2048"}]
        desired: [{start: 0, length: 131072, type: linear, params: "7:0 2048"}]
    steps:
      - {phase: preload, action: load, volume: data}
      - {phase: switch, action: suspend, volume: data, flush: true}
      - {phase: switch, action: resume, volume: data, flush: true}
    notes: []
actions:
  description: The volumes the plan changes (or refuses to change), in plan order.
  returned: always
  type: list
  elements: dict
  contains:
    volume:
      description: The volume's name.
      type: str
      sample: data
    action:
      description: C(create), C(reload), C(recreate), C(remove), C(refresh) or C(resume).
      type: str
      sample: reload
    refused:
      description: The action needs an I(allow), or the name belongs to a device vmapctl does not manage.
      type: bool
      sample: false
    risk:
      description:
        - C(none), C(safe) or C(destructive), as vmapctl's plan gives it;
          C(null) when this vmapctl does not report risk.
      type: str
      sample: safe
    reasons:
      description: Why, for people.
      type: list
      elements: str
      sample: [its table differs from the spec, grows from 65536 to 131072 sectors]
files:
  description: What happened (in check mode, would happen) to the files of the spec directory.
  returned: always
  type: dict
  contains:
    written:
      description: Files written, new or replaced.
      type: list
      elements: str
      sample: [data.yaml]
    removed:
      description: Files removed (I(exclusive)).
      type: list
      elements: str
      sample: []
    unchanged:
      description: Files of I(specs) that were there already with this content.
      type: list
      elements: str
      sample: []
    restored:
      description: Files put back as they were after a failed apply.
      type: list
      elements: str
      sample: []
result:
  description:
    - What apply executed (vmapctl's C(result) object; C(ok),
      C(rolledBack), C(executed), C(suspended), C(memoryLocked)).
  returned: when apply ran steps
  type: dict
  sample:
    ok: true
    rolledBack: false
    executed: [{action: create, volume: data, ok: true, rollback: false, ms: 17.6}]
    suspended: []
    memoryLocked: false
errors:
  description: vmapctl's error objects (C(message), C(kind), C(file), ...).
  returned: on failure
  type: list
  elements: dict
rc:
  description:
    - The exit code of the vmapctl run that failed (1 failed, 3 refused,
      64 usage, 65 invalid spec, 75 lock not acquired).
    - Left out on success, where Ansible would take a non-zero C(rc) (2,
      changes made) for a failure; C(changed) says it.
  returned: on failure
  type: int
  sample: 3
cmd:
  description: The last vmapctl command line.
  returned: always
  type: list
  elements: str
  sample: [/usr/local/sbin/vmapctl, apply, --json, --detailed-exitcode, -f, /etc/vmapctl/volumes.d]
'''

import errno
import json
import os
import re
import shutil
import stat
import tempfile

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_bytes, to_native
from ansible.module_utils.six import string_types

from ansible_collections.vmapctl.dm.plugins.module_utils.vmapctl import (
    EXIT_CHANGES, EXIT_OK, default_set_environ, fail_run, find_binary, run_json)

try:
    import yaml
    HAS_YAML = True
except ImportError:
    HAS_YAML = False

# What vmapctl reads from a directory: *.yaml and *.yml, not dot files
SPEC_NAME = re.compile(r'^[^./][^/\x00]*\.(yaml|yml)$')
ALLOW_FLAGS = {'shrink': '--allow-shrink', 'recreate': '--allow-recreate',
               'remap': '--allow-remap'}


def is_spec_name(name):
    return bool(SPEC_NAME.match(name)) and len(name) <= 255


def spec_text(content):
    """The bytes of a spec file from the content option: text as given
    (with a final newline: lookup('file') strips it), or YAML data."""
    if isinstance(content, string_types):
        text = content
    elif isinstance(content, (dict, list)):
        if HAS_YAML:
            try:
                text = yaml.safe_dump(content, default_flow_style=False, sort_keys=False)
            except TypeError:
                # PyYAML before 5.1 always sorts the keys
                text = yaml.safe_dump(content, default_flow_style=False)
        else:
            # JSON is YAML to libyaml; good enough where PyYAML is missing
            text = json.dumps(content, indent=2)
    else:
        return None
    if text and not text.endswith('\n'):
        text += '\n'
    return to_bytes(text, errors='surrogate_or_strict')


def normalise_specs(module):
    """[(name, bytes)] from the specs option, every name checked."""
    out = []
    seen = set()
    for i, item in enumerate(module.params['specs']):
        where = 'specs[%d]' % i
        if item.get('src') is not None:
            module.fail_json(msg='%s: src is read on the controller by the vmapctl.dm.vmapctl '
                                 'action plugin, which did not run (call the module as '
                                 'vmapctl.dm.vmapctl, or give content)' % where)
        name = item.get('name')
        if not name:
            module.fail_json(msg='%s: name is required with content' % where)
        if not is_spec_name(name):
            module.fail_json(msg="%s: '%s' is not a spec file name (a name ending in .yaml or "
                                 ".yml, not starting with a dot, without '/')" % (where, name))
        if name in seen:
            module.fail_json(msg="%s: '%s' is given twice" % (where, name))
        seen.add(name)
        if item.get('content') is None:
            module.fail_json(msg="%s ('%s'): content or src is required" % (where, name))
        data = spec_text(item['content'])
        if data is None:
            module.fail_json(msg="%s ('%s'): content must be YAML text or a dictionary"
                                 % (where, name))
        out.append((name, data))
    return out


def read_entry(path):
    """What is at path: ('absent',), ('dir',), ('link', target, bytes or
    None), ('file', bytes, stat) or ('other',)."""
    try:
        st = os.lstat(path)
    except OSError as e:
        if e.errno == errno.ENOENT:
            return ('absent',)
        raise
    if stat.S_ISLNK(st.st_mode):
        target = os.readlink(path)
        try:
            with open(path, 'rb') as f:
                data = f.read() if os.path.isfile(path) else None
        except (IOError, OSError):
            data = None
        return ('link', target, data)
    if stat.S_ISDIR(st.st_mode):
        return ('dir',)
    if stat.S_ISREG(st.st_mode):
        with open(path, 'rb') as f:
            return ('file', f.read(), st)
    return ('other',)


def entry_bytes(entry):
    if entry[0] == 'file':
        return entry[1]
    if entry[0] == 'link':
        return entry[2]
    return None


def scan_spec_dir(spec_dir):
    """{name: entry} for the spec files of spec_dir (what vmapctl reads)."""
    if not os.path.isdir(spec_dir):
        return {}
    return dict((n, read_entry(os.path.join(spec_dir, n)))
                for n in sorted(os.listdir(spec_dir)) if is_spec_name(n))


def fsync_dir(path):
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def write_atomic(spec_dir, name, data, old_stat=None):
    """Write spec_dir/name as a temporary dot file in the same directory
    (vmapctl skips dot files, so a concurrent run never reads it half
    written), then rename it over the name.  A replaced file keeps its
    mode and owner."""
    fd, tmp = tempfile.mkstemp(prefix='.%s.' % name, suffix='.tmp', dir=spec_dir)
    try:
        with os.fdopen(fd, 'wb') as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        if old_stat is not None:
            os.chmod(tmp, old_stat.st_mode & 0o7777)
            try:
                os.chown(tmp, old_stat.st_uid, old_stat.st_gid)
            except OSError as e:
                if e.errno != errno.EPERM:
                    raise
        else:
            os.chmod(tmp, 0o644)
        os.rename(tmp, os.path.join(spec_dir, name))
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def link_atomic(spec_dir, name, target):
    tmp = os.path.join(spec_dir, '.%s.%d.link.tmp' % (name, os.getpid()))
    if os.path.lexists(tmp):
        os.unlink(tmp)
    os.symlink(target, tmp)
    os.rename(tmp, os.path.join(spec_dir, name))


def restore(spec_dir, backup):
    """Put the entries of backup ({name: entry}) back.  Returns the names
    restored, and a message for each that could not be."""
    restored, problems = [], []
    for name in sorted(backup):
        entry = backup[name]
        path = os.path.join(spec_dir, name)
        try:
            if entry[0] == 'absent':
                if os.path.lexists(path):
                    os.unlink(path)
            elif entry[0] == 'file':
                write_atomic(spec_dir, name, entry[1], entry[2])
            elif entry[0] == 'link':
                link_atomic(spec_dir, name, entry[1])
            restored.append(name)
        except (IOError, OSError) as e:
            problems.append('%s: %s' % (name, to_native(e)))
    fsync_dir(spec_dir)
    return restored, problems


def rewrite_paths(obj, old, new):
    """obj with every string's old prefix (a temporary directory) given as
    new (the spec directory), so messages name the files the user has."""
    if isinstance(obj, dict):
        return dict((k, rewrite_paths(v, old, new)) for k, v in obj.items())
    if isinstance(obj, list):
        return [rewrite_paths(v, old, new) for v in obj]
    if isinstance(obj, string_types):
        return obj.replace(old, new)
    return obj


def table_text(table):
    """A table of the plan JSON in `dmsetup table` form."""
    lines = []
    for t in table or []:
        line = '%s %s %s' % (t.get('start'), t.get('length'), t.get('type'))
        if t.get('params'):
            line += ' ' + t['params']
        lines.append(line + '\n')
    return ''.join(lines)


def plan_actions(plan):
    """The volumes the plan changes or refuses, for the actions result."""
    out = []
    for v in (plan or {}).get('volumes') or []:
        if v.get('action', 'none') == 'none' and not v.get('refused'):
            continue
        out.append(dict(volume=v.get('name'), action=v.get('action'),
                        refused=bool(v.get('refused')), risk=v.get('risk'),
                        reasons=v.get('reasons') or []))
    return out


def plan_diff(plan, spec_dir, files):
    """Ansible's diff: a summary of the spec files, then each changed
    volume's live table (before) and new table (after)."""
    diff = []
    summary = ['%s/%s: written' % (spec_dir, n) for n in files['written']]
    summary += ['%s/%s: removed' % (spec_dir, n) for n in files['removed']]
    if summary:
        diff.append(dict(prepared='\n'.join(summary) + '\n'))
    for v in (plan or {}).get('volumes') or []:
        action = v.get('action', 'none')
        if action == 'none' and not v.get('refused'):
            continue
        what = action
        if v.get('refused'):
            what += ', refused'
        if v.get('risk'):
            what += ', risk ' + v['risk']
        diff.append(dict(
            before_header='volume %s: live table' % v.get('name'),
            after_header='volume %s: %s' % (v.get('name'), what),
            before=table_text(v.get('current')),
            after=table_text(v.get('desired'))))
    return diff


def nothing_written(files):
    """files, for a run that stopped before it wrote anything."""
    return dict(files, written=[], removed=[])


def vmapctl_options(module, binary):
    dummy, out, err = module.run_command([binary, 'apply', '--help'], check_rc=False,
                                         environ_update={'LC_ALL': 'C'})
    return apply_options((out or '') + (err or ''))


def build_new_set(tmpdir, spec_dir, existing, given, exclusive):
    """The spec directory as it will be, in tmpdir: the given files
    written, the other entries of spec_dir linked to (vmapctl follows
    links) unless exclusive drops them.  A symlink is copied as it is, so
    that a mask (a link to /dev/null, read and not followed) stays one."""
    given_names = set(item[0] for item in given)
    spec_dir = os.path.abspath(spec_dir)
    for name, entry in existing.items():
        if name in given_names or (exclusive and entry[0] != 'dir'):
            continue
        if entry[0] == 'link':
            target = os.path.join(spec_dir, entry[1])  # as it was if absolute
        else:
            target = os.path.join(spec_dir, name)
        os.symlink(target, os.path.join(tmpdir, name))
    for name, data in given:
        with open(os.path.join(tmpdir, name), 'wb') as f:
            f.write(data)


# vmapctl's default set: the first directory takes the files given; the
# others are read as they are (contract section 7, vmapctl --root)
LAYERS = ('etc/vmapctl/volumes.d', 'run/vmapctl/volumes.d', 'usr/lib/vmapctl/volumes.d')


def build_new_root(tmproot, root, spec_dir, existing, given, exclusive):
    """A root for `vmapctl --root`: the new etc layer in it, the other
    layers links to the host's."""
    etc = os.path.join(tmproot, LAYERS[0])
    os.makedirs(etc)
    build_new_set(etc, spec_dir, existing, given, exclusive)
    for layer in LAYERS[1:]:
        os.makedirs(os.path.dirname(os.path.join(tmproot, layer)))
        os.symlink(os.path.join(root, layer), os.path.join(tmproot, layer))


def apply_options(help_text):
    """The long options `vmapctl apply --help` lists."""
    return set(re.findall(r'(--[a-z][a-z-]*)', help_text or ''))


def run_module():
    module = AnsibleModule(
        argument_spec=dict(
            specs=dict(type='list', elements='dict', default=[], options=dict(
                name=dict(type='str'),
                content=dict(type='raw'),
                src=dict(type='path'),
            ), mutually_exclusive=[('content', 'src')]),
            spec_dir=dict(type='path'),
            root=dict(type='path'),
            exclusive=dict(type='bool', default=False),
            allow=dict(type='list', elements='str', default=[],
                       choices=['shrink', 'recreate', 'remap']),
            prune=dict(type='bool', default=False),
            state=dict(type='str', default='present', choices=['present']),
            binary=dict(type='str', default='vmapctl'),
            lock_timeout=dict(type='int'),
        ),
        mutually_exclusive=[('spec_dir', 'root')],
        supports_check_mode=True,
    )
    p = module.params
    given = normalise_specs(module)
    binary = find_binary(module, p['binary'])
    options = vmapctl_options(module, binary)
    if 'remap' in p['allow'] and '--allow-remap' not in options:
        module.fail_json(msg="allow: remap needs vmapctl's --allow-remap, and %s does not have "
                             "it ('vmapctl apply --help' does not list it): upgrade vmapctl, or "
                             "leave remap out" % binary)
    # the layered default set, or one directory (see DOCUMENTATION)
    layered = p['spec_dir'] is None and '--root' in options
    if p['root'] is not None and not layered:
        module.fail_json(msg="root needs a vmapctl with --root (%s does not have it)" % binary)
    root = os.path.normpath(p['root'] or '/')
    if layered:
        spec_dir = os.path.join(root, LAYERS[0])
        environ = default_set_environ()
    else:
        spec_dir = os.path.normpath(p['spec_dir'] or '/' + LAYERS[0])
        environ = {}

    def set_args(tmp=None):
        # where the spec set is read from: the host's, or the new one in tmp
        if not layered:
            return ['-f', tmp or spec_dir]
        if tmp or root != '/':
            return ['--root', tmp or root]
        return []

    flags = [ALLOW_FLAGS[a] for a in p['allow']]
    if p['prune']:
        flags.append('--prune')

    if os.path.exists(spec_dir) and not os.path.isdir(spec_dir):
        module.fail_json(msg="spec_dir '%s' is not a directory" % spec_dir)
    existing = scan_spec_dir(spec_dir)
    for name in [item[0] for item in given]:
        if existing.get(name, ('absent',))[0] in ('dir', 'other'):
            module.fail_json(msg="'%s/%s' is not a regular file; it cannot be replaced by a spec"
                                 % (spec_dir, name))
    files = dict(written=[], removed=[], unchanged=[], restored=[])
    for name, data in given:
        if entry_bytes(existing.get(name, ('absent',))) == data:
            files['unchanged'].append(name)
        else:
            files['written'].append(name)
    given_names = set(item[0] for item in given)
    if p['exclusive']:
        files['removed'] = [n for n, e in existing.items()
                            if n not in given_names and e[0] != 'dir']
    files_changed = bool(files['written'] or files['removed'])

    tmpdir = tempfile.mkdtemp(prefix='vmapctl-', dir=module.tmpdir)
    try:
        if layered:
            build_new_root(tmpdir, root, spec_dir, existing, given, p['exclusive'])
            # the temporary root's paths as the host's (under root)
            real = root.rstrip(os.sep) + os.sep
        else:
            build_new_set(tmpdir, spec_dir, existing, given, p['exclusive'])
            real = spec_dir + os.sep

        def in_tmp(run):
            # the temporary set's paths as those of the files on the host
            if run.data is not None:
                run.data = rewrite_paths(run.data, tmpdir + os.sep, real)
            run.stderr = (run.stderr or '').replace(tmpdir + os.sep, real)
            return run

        if module.check_mode or files_changed:
            run = in_tmp(run_json(module, [binary, 'validate', '--json'] + set_args(tmpdir),
                                  environ))
            if run.rc != EXIT_OK:
                fail_run(module, run, 'validate', files=nothing_written(files), plan=None,
                         actions=[])
            run = in_tmp(run_json(module, [binary, 'plan', '--json', '--detailed-exitcode']
                                  + set_args(tmpdir) + flags, environ))
            plan = (run.data or {}).get('plan')
            if run.rc not in (EXIT_OK, EXIT_CHANGES) or run.data is None:
                # nothing written: the real run stops here too
                fail_run(module, run, 'plan', plan=plan, actions=plan_actions(plan),
                         files=files if module.check_mode else nothing_written(files))
            if module.check_mode:
                changed = files_changed or run.rc == EXIT_CHANGES or bool((plan or {}).get('changes'))
                result = dict(changed=changed, plan=plan, actions=plan_actions(plan), files=files,
                              cmd=run.argv)
                if module._diff:
                    result['diff'] = plan_diff(plan, spec_dir, files)
                module.exit_json(**result)
    finally:
        shutil.rmtree(tmpdir, ignore_errors=True)

    backup = {}
    if files_changed:
        if not os.path.isdir(spec_dir):
            os.makedirs(spec_dir, 0o755)  # and its parents, as mkdir -p
            existing = {}
        for name in files['written'] + files['removed']:
            backup[name] = existing.get(name, ('absent',))
        try:
            for name, data in given:
                if name in files['written']:
                    old = existing.get(name, ('absent',))
                    write_atomic(spec_dir, name, data, old[2] if old[0] == 'file' else None)
            for name in files['removed']:
                os.unlink(os.path.join(spec_dir, name))
            fsync_dir(spec_dir)
        except (IOError, OSError) as e:
            problems = restore(spec_dir, backup)[1]
            module.fail_json(msg="cannot write the spec files into '%s': %s%s"
                                 % (spec_dir, to_native(e),
                                    '; could not restore: ' + ', '.join(problems) if problems else ''),
                             files=files)

    argv = [binary, 'apply', '--json', '--detailed-exitcode'] + set_args() + flags
    if p['lock_timeout'] is not None:
        argv += ['--lock-timeout', str(p['lock_timeout'])]
    run = run_json(module, argv, environ)
    data = run.data or {}
    plan = data.get('plan')
    extra = dict(files=files, plan=plan, actions=plan_actions(plan))
    if data.get('result') is not None:
        extra['result'] = data['result']
    if run.rc not in (EXIT_OK, EXIT_CHANGES) or run.data is None:
        res = data.get('result') or {}
        kernel_changed = bool(res) and not res.get('rolledBack') and any(
            s.get('ok') and not s.get('rollback') for s in res.get('executed') or [])
        what = 'apply'
        if backup and not kernel_changed:
            # the kernel is as it was: so are the spec files
            files['restored'], problems = restore(spec_dir, backup)
            if problems:
                what = 'apply (and the old spec files could not all be restored: %s)' % ', '.join(problems)
        elif backup:
            what = 'apply (it changed volumes before it failed and did not roll back: the new ' \
                   'spec files are kept; run again once the cause is fixed)'
        fail_run(module, run, what, **extra)

    result = dict(changed=files_changed or run.rc == EXIT_CHANGES, cmd=run.argv, **extra)
    if module._diff:
        result['diff'] = plan_diff(plan, spec_dir, files)
    module.exit_json(**result)


def main():
    run_module()


if __name__ == '__main__':
    main()
