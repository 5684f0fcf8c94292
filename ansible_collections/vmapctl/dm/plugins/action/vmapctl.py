# -*- coding: utf-8 -*-
# The controller side of vmapctl.dm.vmapctl: a spec given as `src` is read
# here, on the controller (looked up in files/ as the copy module does,
# vault-decrypted), and handed to the module on the host as `content`.
# Everything else happens in the module.

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os

from ansible.errors import AnsibleError, AnsibleActionFail
from ansible.module_utils.common.text.converters import to_native, to_text
from ansible.plugins.action import ActionBase


class ActionModule(ActionBase):

    TRANSFERS_FILES = False

    def _read_src(self, src):
        try:
            path = self._find_needle('files', src)
            real = self._loader.get_real_file(path, decrypt=True)
        except AnsibleError as e:
            raise AnsibleActionFail("spec file '%s': %s" % (src, to_native(e)))
        try:
            with open(real, 'rb') as f:
                return to_text(f.read(), errors='surrogate_or_strict')
        except (IOError, OSError, UnicodeError) as e:
            raise AnsibleActionFail("spec file '%s': %s" % (src, to_native(e)))
        finally:
            self._loader.cleanup_tmp_file(real)

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        del tmp  # unused: the module makes its own temporary directory

        args = self._task.args.copy()
        specs = args.get('specs')
        if isinstance(specs, list):
            resolved = []
            for i, item in enumerate(specs):
                if isinstance(item, dict) and item.get('src') is not None:
                    if item.get('content') is not None:
                        raise AnsibleActionFail('specs[%d]: src and content are mutually exclusive' % i)
                    item = dict(item)
                    src = item.pop('src')
                    if not item.get('name'):
                        item['name'] = os.path.basename(src)
                    item['content'] = self._read_src(src)
                resolved.append(item)
            args['specs'] = resolved

        result.update(self._execute_module(module_name='vmapctl.dm.vmapctl',
                                           module_args=args, task_vars=task_vars))
        return result
