#!/usr/bin/python3
"""Runs one of Ansible's own modules on a file in a temporary directory, for each case.

Reads [{"id", "module", "content": str | null, "args": {...}}] as JSON on stdin; `PATH` in an argument
stands for the file. Writes [{"id", "result": {...}, "content": str | null}]: the module's JSON result and
the file afterwards. The module runs in this process through AnsibleModule's own argument channel, exactly
as Ansible runs it on a host.
"""
import contextlib
import importlib
import io
import json
import sys
import warnings

warnings.simplefilter('ignore')

from ansible.module_utils import basic  # noqa: E402
from ansible.module_utils.common.text.converters import to_bytes  # noqa: E402

# The shared part beside this script, imported without leaving compiled files in the repository.
sys.dont_write_bytecode = True
from file_oracle import place, read_back, serve  # noqa: E402


def run(case, tmpdir):
    path = place(tmpdir, case['content'])
    args = {k: (v.replace('PATH', path) if isinstance(v, str) else v) for k, v in case['args'].items()}
    args['_ansible_tmpdir'] = tmpdir
    args['_ansible_remote_tmp'] = tmpdir
    basic._ANSIBLE_ARGS = to_bytes(json.dumps({'ANSIBLE_MODULE_ARGS': args}))
    module = importlib.import_module('ansible.modules.' + case['module'])
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        try:
            module.main()
        except SystemExit:
            pass
    result = json.loads(out.getvalue())
    result.pop('invocation', None)
    if isinstance(result.get('msg'), str):
        result['msg'] = result['msg'].replace(path, 'PATH')
    return {'result': result, 'content': read_back(path)}


serve(run)
