#!/usr/bin/python3
"""Runs Ansible's own lineinfile code (present/absent) on a temporary file for each case.

Reads [{"id", "content": str | null, "params": {...}}] as JSON on stdin; writes
[{"id", "ok": true, "content", "changed", "msg"} | {"id", "ok": false, "msg"}]. AnsibleModule is replaced by
a stand-in that only records what the module would report, so the edit itself is Ansible's.
"""
import shutil
import sys
import warnings

warnings.simplefilter('ignore')

from ansible.modules import lineinfile  # noqa: E402

# The shared part beside this script, imported without leaving compiled files in the repository.
sys.dont_write_bytecode = True
from file_oracle import place, read_back, serve  # noqa: E402


class Done(Exception):
    def __init__(self, ok, result):
        super().__init__()
        self.ok = ok
        self.result = result


class StandIn:
    check_mode = False
    _diff = False

    def __init__(self, params, tmpdir):
        self.params = dict(validate=None, unsafe_writes=False, **params)
        self.tmpdir = tmpdir

    def exit_json(self, **kw):
        raise Done(True, kw)

    def fail_json(self, **kw):
        raise Done(False, kw)

    def atomic_move(self, src, dest, unsafe_writes=False):
        shutil.move(src, dest)

    def load_file_common_arguments(self, params):
        return {}

    def set_fs_attributes_if_different(self, file_args, changed, diff=None):
        return changed

    def backup_local(self, path):
        return ''


def run(case, tmpdir):
    path = place(tmpdir, case['content'])
    p = dict(regexp=None, search_string=None, line=None, insertafter=None, insertbefore=None, create=False,
             backup=False, backrefs=False, firstmatch=False)
    p.update(case['params'])
    state = p.pop('state', 'present')
    module = StandIn(p, tmpdir)
    try:
        if state == 'present':
            if p['backrefs'] and p['regexp'] is None:
                module.fail_json(msg='regexp is required with backrefs=true')
            if p['line'] is None:
                module.fail_json(msg='line is required with state=present')
            ins_bef, ins_aft = p['insertbefore'], p['insertafter']
            if ins_bef is None and ins_aft is None:
                ins_aft = 'EOF'
            lineinfile.present(module, path, p['regexp'], p['search_string'], p['line'], ins_aft, ins_bef,
                               p['create'], p['backup'], p['backrefs'], p['firstmatch'])
        else:
            if p['regexp'] is None and p['search_string'] is None and p['line'] is None:
                module.fail_json(msg='one of line, search_string, or regexp is required with state=absent')
            lineinfile.absent(module, path, p['regexp'], p['search_string'], p['line'], p['backup'])
    except Done as d:
        if not d.ok:
            return {'ok': False, 'msg': d.result['msg'].replace(path, 'PATH')}
        return {'ok': True, 'content': read_back(path), 'changed': d.result['changed'], 'msg': d.result['msg']}
    return {'ok': False, 'msg': 'module returned without a result'}


serve(run)
