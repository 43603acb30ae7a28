"""What the file-editing oracles share: a target file per case in one temporary directory, JSON in and out."""
import json
import os
import sys
import tempfile


def place(tmpdir, content):
    """The target file's path, the file holding `content` byte for byte, or absent when it is None."""
    path = os.path.join(tmpdir, 'target.txt')
    if os.path.exists(path):
        os.remove(path)
    if content is not None:
        with open(path, 'w', newline='') as f:
            f.write(content)
    return path


def read_back(path):
    """The file's content as the edit left it, or None when there is no file."""
    if not os.path.exists(path):
        return None
    with open(path, newline='') as f:
        return f.read()


def serve(run):
    """Reads the cases on stdin, runs each with the temporary directory, writes each result with its id."""
    cases = json.load(sys.stdin)
    results = []
    with tempfile.TemporaryDirectory() as tmpdir:
        for case in cases:
            results.append(dict(id=case['id'], **run(case, tmpdir)))
    json.dump(results, sys.stdout)
