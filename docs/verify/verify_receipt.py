#!/usr/bin/env python3
"""Verify a Timestore audit receipt, or that a log only grew between two saved checkpoints, offline,
with only the tenant's note verifier key (formats: docs/transparency-log.md). Exit 0 valid, 1 invalid.
  verify_receipt.py --key VKEY RECEIPT.json
  verify_receipt.py --key VKEY --consistency OLD_CHECKPOINT NEW_CHECKPOINT PROOF.json"""
import argparse, base64, hashlib, json, re, sys
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

class Invalid(Exception): pass
def b64(text, size=None):  # canonical padded standard base64 only
    raw = base64.b64decode(text, validate=True)
    if base64.b64encode(raw).decode() == text and size in (None, len(raw)): return raw
    raise Invalid(f"not the canonical base64 of {size or 'some'} bytes: {text!r}")
def node(left, right): return hashlib.sha256(b"\x01" + left + right).digest()
def walk(fn, sn, fr, sr, proof):  # the path walk of RFC 9162 sections 2.1.3.2 and 2.1.4.2
    for c in proof:
        if sn == 0 or len(c) != 32: raise Invalid("proof too long, or a proof hash is not 32 bytes")
        if fn & 1 or fn == sn:
            fr, sr = node(c, fr), node(c, sr)
            while fn and not fn & 1: fn, sn = fn >> 1, sn >> 1
        else: sr = node(sr, c)
        fn, sn = fn >> 1, sn >> 1
    if sn: raise Invalid("proof too short")
    return fr, sr
def inclusion_root(index, size, leaf, proof):
    if not 0 <= index < size or len(leaf) != 32: raise Invalid("leaf index beyond tree, or leaf hash not 32 bytes")
    return walk(index, size - 1, leaf, leaf, proof)[1]
def check_consistency(size1, size2, root1, root2, proof):
    if not 0 < size1 <= size2: raise Invalid(f"sizes {size1} -> {size2} are not 0 < size1 <= size2")
    if size1 == size2 and (proof or root1 != root2): raise Invalid("equal sizes need an empty proof and equal roots")
    if size1 == size2: return
    if not proof or len(proof[0]) != 32: raise Invalid("empty consistency proof, or a hash not 32 bytes")
    proof = ([root1] if size1 & (size1 - 1) == 0 else []) + proof
    fn, sn = size1 - 1, size2 - 1
    while fn & 1: fn, sn = fn >> 1, sn >> 1
    if walk(fn, sn, proof[0], proof[0], proof[1:]) != (root1, root2): raise Invalid("proof does not link the roots")

def checkpoint(note, vkey):  # c2sp.org/signed-note and c2sp.org/tlog-checkpoint, signed by vkey
    name, key_hash, key = vkey.split("+", 2)
    typed = b64(key)
    if typed[:1] != b"\x01" or len(typed) != 33 or hashlib.sha256(name.encode() + b"\n" + typed).digest()[:4].hex() != key_hash:
        raise Invalid("malformed note verifier key")
    text = note.decode("utf-8")
    split = text.rfind("\n\n")
    if re.search("[\x00-\x09\x0b-\x1f]", text) or split < 0 or not text.endswith("\n"): raise Invalid("malformed note")
    body, signed = text[:split + 1], False
    for line in text[split + 2:-1].split("\n"):
        sig_name, _, sig = line[2:].partition(" ")
        if not line.startswith("\u2014 ") or len(sig := b64(sig)) < 5: raise Invalid("malformed signature line")
        if sig_name == name and sig[:4].hex() == key_hash:  # other keys' signatures are ignored
            Ed25519PublicKey.from_public_bytes(typed[1:]).verify(sig[4:], body.encode())  # raises if forged
            signed = True
    lines = body[:-1].split("\n")
    if not signed: raise Invalid(f"checkpoint not signed by {name}")
    if len(lines) < 3 or not all(lines) or not re.fullmatch("0|[1-9][0-9]*", lines[1]): raise Invalid("malformed checkpoint")
    if lines[0] != name: raise Invalid(f"checkpoint of log {lines[0]!r}, not {name!r}")
    return int(lines[1]), b64(lines[2], 32)

def receipt(path, vkey):
    r = json.load(open(path))
    if r.get("format") != "ts-audit-receipt-v1": raise Invalid("not a ts-audit-receipt-v1 receipt")
    size, root = checkpoint(r["checkpoint"].encode(), vkey)
    leaf, seq = b64(r["leaf_hash"], 32), r["seq"]
    if "canonical" in r:
        canonical = b64(r["canonical"])
        if hashlib.sha256(b"\x00" + canonical).digest() != leaf: raise Invalid("leaf_hash is not the hash of canonical")
        if json.loads(canonical.split(b"\n", 1)[1])["event_id"] != r["event_id"]: raise Invalid("canonical is another event")
    if type(seq) is not int or not 1 <= seq <= size: raise Invalid(f"seq {seq} is not in the checkpoint's tree of {size}")
    if inclusion_root(seq - 1, size, leaf, [b64(h) for h in r["inclusion_proof"]]) != root:
        raise Invalid("inclusion proof does not lead to the checkpoint's root hash")
    return f"event {r['event_id']} is entry {seq} of the {size} in the signed checkpoint"
def consistency(old, new, proof_path, vkey):
    (size1, root1), (size2, root2) = (checkpoint(open(f, "rb").read(), vkey) for f in (old, new))
    p = json.load(open(proof_path))
    if (p["size1"], p["size2"]) != (size1, size2): raise Invalid("the proof is for other tree sizes")
    check_consistency(size1, size2, root1, root2, [b64(h) for h in p["proof"]])
    return f"the log grew from {size1} to {size2} entries without changing any"

if __name__ == "__main__":
    args = argparse.ArgumentParser(usage=__doc__.split("\n", 2)[2])
    args.add_argument("--key", required=True); args.add_argument("--consistency", nargs=2, metavar=("OLD", "NEW"))
    args.add_argument("file"); a = args.parse_args()
    try: print("valid:", consistency(*a.consistency, a.file, a.key) if a.consistency else receipt(a.file, a.key))
    except Exception as e: sys.exit(f"invalid: {type(e).__name__}: {e}")
