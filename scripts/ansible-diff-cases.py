"""Records what Ansible's NetworkConfig says should be pushed for each case in
test/fixtures/network/ansible-diff-cases.json ("input"), writing its answer beside it ("ansible").

Ansible's diff lives in the ansible.netcommon collection, which Debian's ansible-core does not ship; point
NETCOMMON_CONFIG at plugins/module_utils/network/common/config.py of a checkout of
github.com/ansible-collections/ansible.netcommon and run:

    NETCOMMON_CONFIG=.../config.py python3 scripts/ansible-diff-cases.py
"""
import importlib.util
import json
import os
import sys

spec = importlib.util.spec_from_file_location("netconfig", os.environ["NETCOMMON_CONFIG"])
netconfig = importlib.util.module_from_spec(spec)
spec.loader.exec_module(netconfig)

path = os.path.join(os.path.dirname(__file__), "..", "test", "fixtures", "network", "ansible-diff-cases.json")
cases = json.load(open(path))
for case in cases:
    i = case["input"]
    running = netconfig.NetworkConfig(indent=1, contents=i["running"])
    candidate = netconfig.NetworkConfig(indent=1)
    if i.get("src") is not None:
        candidate.load(i["src"])
    else:
        candidate.add(i["lines"], parents=i.get("parents") or None)
    path_ = i.get("parents") or None
    objs = candidate.difference(running, match=i["match"], replace=i["replace"], path=path_) if i["match"] != "none" else candidate.items
    commands = netconfig.dumps(objs, "commands").split("\n") if objs else []
    case["ansible"] = [c for c in commands if c]
json.dump(cases, open(path, "w"), indent=2)
sys.stdout.write("recorded %d cases\n" % len(cases))
