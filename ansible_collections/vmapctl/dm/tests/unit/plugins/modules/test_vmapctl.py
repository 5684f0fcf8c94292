# -*- coding: utf-8 -*-
# Unit tests of the vmapctl module's pure parts: what it makes of vmapctl's
# plan JSON (actions, diff), spec file names and contents, the temporary
# spec set, atomic writes and restores, and vmapctl's error messages.
# Runs with `python3 -m unittest` from the repository root (test/bats/
# ansible-host.bats) and with `ansible-test units`.  The whole module
# against the real kernel: test/bats/ansible.bats.

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import os
import shutil
import stat
import tempfile
import unittest

import yaml

from ansible_collections.vmapctl.dm.plugins.module_utils import vmapctl as mu
from ansible_collections.vmapctl.dm.plugins.modules import vmapctl as mod

# The plan vmapctl printed for a 32 MiB linear volume grown to 64 MiB, a
# new volume of two targets and a converged one (schema/plan.schema.json).
PLAN = {
    'changes': 2,
    'volumes': [
        {'name': 'data', 'action': 'reload', 'refused': False, 'waiting': False,
         'source': {'file': '/tmp/x/data.yaml', 'line': 3, 'column': 5},
         'reasons': ['its table differs from the spec', 'grows from 65536 to 131072 sectors'],
         'notes': [], 'suspend': 'flush',
         'current': [{'start': 0, 'length': 65536, 'type': 'linear', 'params': '7:0 2048'}],
         'desired': [{'start': 0, 'length': 131072, 'type': 'linear', 'params': '7:0 2048'}]},
        {'name': 'scratch', 'action': 'create', 'refused': False, 'waiting': False,
         'source': None, 'reasons': ['does not exist'], 'notes': [], 'suspend': 'flush',
         'current': None,
         'desired': [{'start': 0, 'length': 2048, 'type': 'zero', 'params': ''},
                     {'start': 2048, 'length': 8, 'type': 'error', 'params': ''}]},
        {'name': 'same', 'action': 'none', 'refused': False, 'waiting': False,
         'source': None, 'reasons': [], 'notes': [], 'suspend': 'flush',
         'current': [{'start': 0, 'length': 8, 'type': 'zero', 'params': ''}],
         'desired': [{'start': 0, 'length': 8, 'type': 'zero', 'params': ''}]},
    ],
    'steps': [], 'notes': [],
}


class TestPlanResults(unittest.TestCase):

    def test_tables_read_as_dmsetup_table_prints_them(self):
        self.assertEqual(mod.table_text(PLAN['volumes'][0]['current']), '0 65536 linear 7:0 2048\n')
        # one line per target; one without parameters gets no trailing blank
        self.assertEqual(mod.table_text(PLAN['volumes'][1]['desired']), '0 2048 zero\n2048 8 error\n')
        self.assertEqual(mod.table_text(None), '')

    def test_actions_list_the_changed_volumes_and_leave_converged_ones_out(self):
        actions = mod.plan_actions(PLAN)
        self.assertEqual([(a['volume'], a['action']) for a in actions],
                         [('data', 'reload'), ('scratch', 'create')])
        self.assertEqual(actions[0]['reasons'][1], 'grows from 65536 to 131072 sectors')

    def test_risk_is_passed_on_when_vmapctl_reports_it_and_null_when_it_does_not(self):
        self.assertIsNone(mod.plan_actions(PLAN)[0]['risk'])
        plan = json.loads(json.dumps(PLAN))
        plan['volumes'][0]['risk'] = 'safe'
        self.assertEqual(mod.plan_actions(plan)[0]['risk'], 'safe')
        diff = mod.plan_diff(plan, '/etc/vmapctl/volumes.d', dict(written=[], removed=[]))
        self.assertIn('risk safe', diff[0]['after_header'])

    def test_a_refused_volume_is_an_action_even_without_changes(self):
        plan = json.loads(json.dumps(PLAN))
        plan['volumes'][2].update(action='reload', refused=True)
        self.assertTrue(mod.plan_actions(plan)[2]['refused'])

    def test_diff_has_old_and_new_table_per_changed_volume(self):
        files = dict(written=['data.yaml'], removed=['old.yaml'])
        diff = mod.plan_diff(PLAN, '/etc/vmapctl/volumes.d', files)
        self.assertEqual(diff[0]['prepared'], '/etc/vmapctl/volumes.d/data.yaml: written\n'
                                              '/etc/vmapctl/volumes.d/old.yaml: removed\n')
        data, scratch = diff[1], diff[2]
        self.assertEqual(len(diff), 3)
        self.assertEqual(data['before'], '0 65536 linear 7:0 2048\n')
        self.assertEqual(data['after'], '0 131072 linear 7:0 2048\n')
        self.assertEqual(data['after_header'], 'volume data: reload')
        # a volume to create has no live table
        self.assertEqual(scratch['before'], '')
        self.assertEqual(scratch['after'], '0 2048 zero\n2048 8 error\n')

    def test_no_changes_no_diff(self):
        plan = dict(PLAN, volumes=[PLAN['volumes'][2]], changes=0)
        self.assertEqual(mod.plan_diff(plan, '/d', dict(written=[], removed=[])), [])
        self.assertEqual(mod.plan_diff(None, '/d', dict(written=[], removed=[])), [])

    def test_temporary_paths_are_given_as_the_spec_directory(self):
        data = {'errors': [{'message': '/tmp/v-1/data.yaml:3:5: bad', 'file': '/tmp/v-1/data.yaml',
                            'line': 3}], 'n': 1}
        out = mod.rewrite_paths(data, '/tmp/v-1/', '/etc/vmapctl/volumes.d/')
        self.assertEqual(out['errors'][0]['message'], '/etc/vmapctl/volumes.d/data.yaml:3:5: bad')
        self.assertEqual(out['errors'][0]['file'], '/etc/vmapctl/volumes.d/data.yaml')
        self.assertEqual(out['n'], 1)


class TestSpecs(unittest.TestCase):

    def test_spec_names_are_what_vmapctl_reads_from_a_directory(self):
        for good in ('data.yaml', 'a.yml', '10-cache.yaml'):
            self.assertTrue(mod.is_spec_name(good), good)
        for bad in ('.data.yaml', 'data.json', 'a/b.yaml', '../x.yaml', '.yaml', 'data.yaml.j2', ''):
            self.assertFalse(mod.is_spec_name(bad), bad)

    def test_text_content_gets_the_final_newline_lookup_file_strips(self):
        self.assertEqual(mod.spec_text('apiVersion: vmapctl/v1'), b'apiVersion: vmapctl/v1\n')
        self.assertEqual(mod.spec_text('a: 1\n'), b'a: 1\n')

    def test_data_content_is_written_as_yaml_that_reads_back_the_same(self):
        spec = {'apiVersion': 'vmapctl/v1', 'volumes': [
            {'name': 'd', 'targets': [{'type': 'linear', 'size': '1GiB', 'device': '/dev/vdb',
                                       'offset': 2048}]}]}
        self.assertEqual(yaml.safe_load(mod.spec_text(spec)), spec)
        # the keys stay in the order written
        self.assertTrue(mod.spec_text(spec).startswith(b'apiVersion: vmapctl/v1\n'))

    def test_data_content_without_pyyaml_is_json(self):
        spec = {'apiVersion': 'vmapctl/v1', 'volumes': []}
        saved = mod.HAS_YAML
        mod.HAS_YAML = False
        try:
            self.assertEqual(json.loads(mod.spec_text(spec)), spec)
        finally:
            mod.HAS_YAML = saved

    def test_other_content_is_refused(self):
        self.assertIsNone(mod.spec_text(42))


class TestSpecDir(unittest.TestCase):

    def setUp(self):
        self.top = tempfile.mkdtemp()
        self.dir = os.path.join(self.top, 'volumes.d')
        os.mkdir(self.dir)

    def tearDown(self):
        shutil.rmtree(self.top)

    def put(self, name, text, mode=0o644):
        path = os.path.join(self.dir, name)
        with open(path, 'w') as f:
            f.write(text)
        os.chmod(path, mode)
        return path

    def read(self, name):
        with open(os.path.join(self.dir, name)) as f:
            return f.read()

    def test_scan_sees_only_spec_files(self):
        self.put('a.yaml', 'a\n')
        self.put('.a.yaml.swp', 'x')
        self.put('notes.txt', 'x')
        os.mkdir(os.path.join(self.dir, 'sub.yaml'))
        os.symlink('a.yaml', os.path.join(self.dir, 'b.yml'))
        found = mod.scan_spec_dir(self.dir)
        self.assertEqual(sorted(found), ['a.yaml', 'b.yml', 'sub.yaml'])
        self.assertEqual(mod.entry_bytes(found['a.yaml']), b'a\n')
        self.assertEqual(found['b.yml'][:2], ('link', 'a.yaml'))
        self.assertEqual(mod.entry_bytes(found['b.yml']), b'a\n')
        self.assertEqual(found['sub.yaml'], ('dir',))
        self.assertEqual(mod.scan_spec_dir(os.path.join(self.top, 'missing')), {})

    def test_new_set_has_the_given_files_and_links_to_the_others(self):
        self.put('keep.yaml', 'keep\n')
        self.put('data.yaml', 'old\n')
        tmp = os.path.join(self.top, 'new')
        os.mkdir(tmp)
        existing = mod.scan_spec_dir(self.dir)
        mod.build_new_set(tmp, self.dir, existing, [('data.yaml', b'new\n'), ('more.yaml', b'm\n')],
                          exclusive=False)
        self.assertEqual(sorted(os.listdir(tmp)), ['data.yaml', 'keep.yaml', 'more.yaml'])
        self.assertTrue(os.path.islink(os.path.join(tmp, 'keep.yaml')))
        with open(os.path.join(tmp, 'data.yaml')) as f:
            self.assertEqual(f.read(), 'new\n')

    def test_exclusive_new_set_has_only_the_given_files(self):
        self.put('keep.yaml', 'keep\n')
        tmp = os.path.join(self.top, 'new')
        os.mkdir(tmp)
        mod.build_new_set(tmp, self.dir, mod.scan_spec_dir(self.dir), [('d.yaml', b'd\n')],
                          exclusive=True)
        self.assertEqual(os.listdir(tmp), ['d.yaml'])

    def test_new_set_keeps_a_mask_a_mask(self):
        # vmapctl reads the link of a mask and does not follow it
        os.symlink('/dev/null', os.path.join(self.dir, 'vendor.yaml'))
        tmp = os.path.join(self.top, 'new')
        os.mkdir(tmp)
        mod.build_new_set(tmp, self.dir, mod.scan_spec_dir(self.dir), [], exclusive=False)
        self.assertEqual(os.readlink(os.path.join(tmp, 'vendor.yaml')), '/dev/null')

    def test_new_root_has_the_new_etc_layer_and_links_to_the_other_layers(self):
        self.put('keep.yaml', 'keep\n')
        tmp = os.path.join(self.top, 'newroot')
        os.mkdir(tmp)
        mod.build_new_root(tmp, '/img', self.dir, mod.scan_spec_dir(self.dir), [('d.yaml', b'd\n')],
                           exclusive=False)
        etc = os.path.join(tmp, 'etc/vmapctl/volumes.d')
        self.assertEqual(sorted(os.listdir(etc)), ['d.yaml', 'keep.yaml'])
        self.assertEqual(os.readlink(os.path.join(etc, 'keep.yaml')), os.path.join(self.dir, 'keep.yaml'))
        self.assertEqual(os.readlink(os.path.join(tmp, 'run/vmapctl/volumes.d')), '/img/run/vmapctl/volumes.d')
        self.assertEqual(os.readlink(os.path.join(tmp, 'usr/lib/vmapctl/volumes.d')),
                         '/img/usr/lib/vmapctl/volumes.d')

    def test_atomic_write_keeps_the_mode_of_the_file_it_replaces_and_leaves_no_temporary(self):
        self.put('data.yaml', 'old\n', mode=0o600)
        old = mod.read_entry(os.path.join(self.dir, 'data.yaml'))
        mod.write_atomic(self.dir, 'data.yaml', b'new\n', old[2])
        self.assertEqual(self.read('data.yaml'), 'new\n')
        self.assertEqual(stat.S_IMODE(os.stat(os.path.join(self.dir, 'data.yaml')).st_mode), 0o600)
        mod.write_atomic(self.dir, 'fresh.yaml', b'f\n')
        self.assertEqual(stat.S_IMODE(os.stat(os.path.join(self.dir, 'fresh.yaml')).st_mode), 0o644)
        self.assertEqual(sorted(os.listdir(self.dir)), ['data.yaml', 'fresh.yaml'])

    def test_restore_puts_back_files_links_and_absence(self):
        self.put('data.yaml', 'old\n')
        self.put('target.yaml', 't\n')
        os.symlink('target.yaml', os.path.join(self.dir, 'link.yaml'))
        backup = mod.scan_spec_dir(self.dir)
        backup['new.yaml'] = ('absent',)
        # what a run wrote
        mod.write_atomic(self.dir, 'data.yaml', b'new\n')
        mod.write_atomic(self.dir, 'link.yaml', b'replaced\n')
        mod.write_atomic(self.dir, 'new.yaml', b'n\n')
        restored, problems = mod.restore(self.dir, backup)
        self.assertEqual(problems, [])
        self.assertEqual(sorted(restored), ['data.yaml', 'link.yaml', 'new.yaml', 'target.yaml'])
        self.assertEqual(self.read('data.yaml'), 'old\n')
        self.assertEqual(os.readlink(os.path.join(self.dir, 'link.yaml')), 'target.yaml')
        self.assertFalse(os.path.lexists(os.path.join(self.dir, 'new.yaml')))
        self.assertEqual(sorted(os.listdir(self.dir)), ['data.yaml', 'link.yaml', 'target.yaml'])


class TestOptions(unittest.TestCase):

    HELP = '''usage: vmapctl apply [OPTION...]
  -f, --file PATH            spec file or directory
      --allow-recreate       allow remove + create where the kernel cannot reload in place
      --allow-shrink         allow volumes to get smaller
      --root DIR             look for the default spec directories under DIR (images, tests)
'''

    def test_the_options_are_read_from_apply_help(self):
        opts = mod.apply_options(self.HELP)
        self.assertIn('--root', opts)
        self.assertIn('--allow-shrink', opts)
        self.assertNotIn('--allow-remap', opts)
        self.assertIn('--allow-remap', mod.apply_options(self.HELP + '      --allow-remap   allow ...\n'))


class TestMessages(unittest.TestCase):

    def run_of(self, rc, data, stderr=''):
        return mu.VmapctlRun(['vmapctl', 'apply'], rc, json.dumps(data) if data is not None else '', stderr)

    def test_the_message_is_vmapctls_own(self):
        msg = "/etc/vmapctl/volumes.d/data.yaml:3:5: volume 'data': would shrink (use --allow-shrink)"
        run = self.run_of(3, {'plan': None, 'errors': [{'message': msg, 'kind': 'refused'}]})
        self.assertEqual(mu.failure_message(run, 'apply'),
                         'vmapctl apply: refused by policy (exit 3): ' + msg)

    def test_validate_errors_get_their_position_back(self):
        run = self.run_of(65, {'valid': False, 'errors': [
            {'file': '/d/a.yaml', 'line': 4, 'column': 5, 'volume': 'x', 'message': "unknown key 'bogus'"}]})
        self.assertEqual(mu.error_messages(run.errors), ["/d/a.yaml:4:5: volume 'x': unknown key 'bogus'"])

    def test_without_json_the_message_is_stderr(self):
        run = self.run_of(1, None, 'vmapctl: out of luck\n')
        self.assertIsNone(run.data)
        self.assertEqual(mu.failure_message(run, 'plan'), 'vmapctl plan: failed (exit 1): out of luck')
        self.assertIn('exit 75', mu.failure_message(self.run_of(75, None), 'apply'))


if __name__ == '__main__':
    unittest.main()
