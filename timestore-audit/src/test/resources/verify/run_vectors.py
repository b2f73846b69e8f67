"""Test harness: runs the proof verifiers of docs/verify/verify_receipt.py (directory in argv[1]) over
transparency-dev/merkle vector files (argv[2:]) and prints per file "accept FILE" or "reject FILE
REASON". It does not read wantErr: ProofVectorsTest compares the verdicts with it."""
import json, sys
sys.path.insert(0, sys.argv[1])
from verify_receipt import Invalid, b64, check_consistency, inclusion_root

for f in sys.argv[2:]:
    try:
        v = json.load(open(f))
        proof = [b64(h) for h in v["proof"] or []]
        if "leafIdx" in v:
            if inclusion_root(v["leafIdx"], v["treeSize"], b64(v["leafHash"]), proof) != b64(v["root"]):
                raise Invalid("root mismatch")
        else:
            check_consistency(v["size1"], v["size2"], b64(v["root1"]), b64(v["root2"]), proof)
        print("accept", f)
    except Exception as e:
        print("reject", f, type(e).__name__, e)
