#!/usr/bin/python
# -*- coding: utf-8 -*-

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: vmapctl_info
short_description: Status of the device-mapper volumes vmapctl manages
version_added: "0.1.0"
description:
  - Runs C(vmapctl status --json) on the host and returns every managed
    volume (its state, drift against the spec set, open count, size,
    device number and queue limits) and every volume of the spec set that
    is missing from the kernel.
  - Changes nothing. A spec set that does not load is not a failure here;
    C(spec_loaded) is then false, its errors are in C(errors), and the
    live volumes are still listed (with drift C(unknown)).
  - As Ansible's C(_info) modules do, it returns what it found in its
    result, not as facts; C(register) it, or
    C(ansible.builtin.set_fact) from it, to keep it for the play.
author:
  - vmapctl maintainers (!UNKNOWN)
requirements:
  - vmapctl on the host.
  - Root on the host to read device-mapper; use C(become).
options:
  spec_dir:
    description:
      - The spec set drift is measured against (C(vmapctl status -f
        spec_dir)), as I(spec_dir) of M(vmapctl.dm.vmapctl). When not set,
        vmapctl's default set (the layered C(/etc), C(/run) and C(/usr/lib)
        C(vmapctl/volumes.d) directories).
    type: path
  names:
    description:
      - Only these volumes; all of them when empty.
    type: list
    elements: str
    default: []
  binary:
    description:
      - The vmapctl program; a path, or a name looked up in C(PATH),
        C(/usr/local/sbin), C(/usr/sbin) and C(/sbin).
    type: str
    default: vmapctl
attributes:
  check_mode:
    description: Changes nothing, so it runs in check mode as in a real run.
    support: full
  diff_mode:
    description: Nothing to show.
    support: none
  platform:
    description: Linux hosts with device-mapper and vmapctl.
    support: full
    platforms: posix
seealso:
  - module: vmapctl.dm.vmapctl
'''

EXAMPLES = r'''
- name: Status of the managed volumes
  become: true
  vmapctl.dm.vmapctl_info:
  register: vmapctl_status

- name: Fail when a volume drifted from its spec or stays suspended
  ansible.builtin.assert:
    that:
      - vmapctl_status.volumes | selectattr('drift', 'ne', 'none') | list | length == 0
      - vmapctl_status.volumes | selectattr('state', 'eq', 'suspended') | list | length == 0
    fail_msg: "{{ vmapctl_status.volumes | rejectattr('drift', 'eq', 'none') | map(attribute='name') | list }}"

- name: The size of one volume, in bytes
  ansible.builtin.debug:
    msg: "{{ vmapctl_status.by_name['data'].sectors * 512 }}"
'''

RETURN = r'''
volumes:
  description:
    - The volumes as C(vmapctl status --json) lists them (vmapctl's
      C(schema/status.schema.json)), in its order.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: Device-mapper name.
      type: str
      sample: data
    uuid:
      description: The device's uuid (C(VMAP-...)); C(null) when missing.
      type: str
      sample: VMAP-data
    inSpec:
      description: The volume is in the spec set.
      type: bool
      sample: true
    state:
      description: C(active), C(suspended), C(no-table) or C(missing) (in the spec, not in the kernel).
      type: str
      sample: active
    drift:
      description:
        - What a plan would do, C(none) when the volume matches its spec;
          C(refused), C(unmanaged) (managed, in no spec) or C(unknown) (the
          spec set did not load).
      type: str
      sample: none
    openCount:
      description: How many openers the device has.
      type: int
      sample: 0
    readOnly:
      description: The device is read-only.
      type: bool
      sample: false
    sectors:
      description: Size in 512-byte sectors; 0 when missing.
      type: int
      sample: 65536
    device:
      description: C(MAJ:MIN); C(null) when missing.
      type: str
      sample: "254:0"
    limits:
      description: Queue limits from C(/sys/block/dm-N/queue); C(null) when missing.
      type: dict
    limitsStale:
      description: The queue limits are looser than those of the devices below.
      type: bool
      sample: false
    staleReasons:
      description: Why the limits are stale.
      type: list
      elements: str
    driftReasons:
      description: Why the volume drifted.
      type: list
      elements: str
by_name:
  description: C(volumes) as a dictionary by volume name.
  returned: always
  type: dict
  sample: {data: {name: data, state: active, drift: none, sectors: 65536}}
spec_loaded:
  description: The spec set loaded; when false, drift is C(unknown) and C(errors) says why.
  returned: always
  type: bool
  sample: true
errors:
  description: vmapctl's error objects (C(message), C(kind), C(file), ...).
  returned: always
  type: list
  elements: dict
  sample: []
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.vmapctl.dm.plugins.module_utils.vmapctl import (
    EXIT_OK, EXIT_SPEC, default_set_environ, error_messages, fail_run, find_binary, run_json)


def run_module():
    module = AnsibleModule(
        argument_spec=dict(
            spec_dir=dict(type='path'),
            names=dict(type='list', elements='str', default=[]),
            binary=dict(type='str', default='vmapctl'),
        ),
        supports_check_mode=True,
    )
    p = module.params
    binary = find_binary(module, p['binary'])
    argv = [binary, 'status', '--json']
    environ = {}
    if p['spec_dir']:
        argv += ['-f', p['spec_dir']]
    else:
        environ = default_set_environ()
    if p['names']:
        argv += ['--'] + p['names']
    run = run_json(module, argv, environ)
    data = run.data
    # exit 65: the spec set did not load, the live volumes are still there
    if data is None or run.rc not in (EXIT_OK, EXIT_SPEC) or not isinstance(data.get('volumes'), list):
        fail_run(module, run, 'status')
    volumes = data['volumes']
    for line in error_messages(run.errors):
        module.warn('vmapctl status: ' + line)
    module.exit_json(changed=False, volumes=volumes,
                     by_name=dict((v.get('name'), v) for v in volumes),
                     spec_loaded=bool(data.get('specLoaded')), errors=run.errors,
                     cmd=argv)


def main():
    run_module()


if __name__ == '__main__':
    main()
