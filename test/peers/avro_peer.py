#!/usr/bin/python3
"""Independent Avro peer for the cross-implementation test.

Uses only the .avsc files and the Apache Avro Python library (Debian python3-avro).
It computes the Parsing Canonical Form and the CRC-64-AVRO fingerprint itself, because
python3-avro 1.11 writes a logical-type long as {"type":"long"} in its canonical_form,
which differs from the "long" the Avro specification requires.

Usage:
  avro_peer.py decode SCHEMA_DIR < [{"hex": "..."}]      -> [{"name", "fingerprint", "record"}]
  avro_peer.py encode SCHEMA_DIR < [{"name", "record"}]   -> ["hex", ...]
  avro_peer.py fingerprints SCHEMA_DIR                     -> {"name": "hex"}
"""
import datetime
import io
import json
import os
import sys

import avro.io
import avro.schema

SCHEMA_NAMES = ["EscEvent", "VmActionCommand", "VmActionResult"]
PRIMITIVES = {"null", "boolean", "int", "long", "float", "double", "bytes", "string"}
MAGIC = b"\xc3\x01"
EMPTY = 0xC15D213AA4D7A795
UTC = datetime.timezone.utc


def crc64_avro(data):
    table = []
    for index in range(256):
        fingerprint = index
        for _ in range(8):
            fingerprint = (fingerprint >> 1) ^ (EMPTY if fingerprint & 1 else 0)
        table.append(fingerprint)
    fingerprint = EMPTY
    for byte in data:
        fingerprint = (fingerprint >> 8) ^ table[(fingerprint ^ byte) & 0xFF]
    return fingerprint


def canonical(schema, namespace, defined):
    """Returns the Parsing Canonical Form of a schema given as parsed JSON."""
    if isinstance(schema, str):
        if schema in PRIMITIVES:
            return json.dumps(schema)
        full = schema if "." in schema or not namespace else namespace + "." + schema
        return json.dumps(full)
    if isinstance(schema, list):
        return "[" + ",".join(canonical(branch, namespace, defined) for branch in schema) + "]"
    kind = schema["type"]
    if kind in PRIMITIVES:
        return json.dumps(kind)
    if kind in ("record", "enum", "fixed"):
        name = schema["name"]
        if "." not in name:
            space = schema.get("namespace", namespace)
            name = space + "." + name if space else name
        if name in defined:
            return json.dumps(name)
        defined.add(name)
        inner_namespace = name.rsplit(".", 1)[0] if "." in name else ""
        parts = ['"name":' + json.dumps(name), '"type":' + json.dumps(kind)]
        if kind == "record":
            fields = [
                '{"name":' + json.dumps(field["name"]) + ',"type":' + canonical(field["type"], inner_namespace, defined) + "}"
                for field in schema["fields"]
            ]
            parts.append('"fields":[' + ",".join(fields) + "]")
        elif kind == "enum":
            parts.append('"symbols":' + json.dumps(schema["symbols"], separators=(",", ":")))
        else:
            parts.append('"size":' + str(schema["size"]))
        return "{" + ",".join(parts) + "}"
    if kind == "array":
        return '{"type":"array","items":' + canonical(schema["items"], namespace, defined) + "}"
    if kind == "map":
        return '{"type":"map","values":' + canonical(schema["values"], namespace, defined) + "}"
    raise ValueError("unsupported schema type %r" % kind)


def load(directory):
    loaded = {}
    for name in SCHEMA_NAMES:
        with open(os.path.join(directory, name + ".avsc"), encoding="utf-8") as handle:
            text = handle.read()
        form = canonical(json.loads(text), "", set())
        fingerprint = crc64_avro(form.encode("utf-8")).to_bytes(8, "little")
        loaded[name] = (avro.schema.parse(text), fingerprint)
    return loaded


def is_timestamp(schema):
    return getattr(schema, "type", None) == "long" and schema.get_prop("logicalType") == "timestamp-millis"


def convert(schema, value, to_avro):
    """Converts epoch milliseconds to datetime (to_avro) or back, following the schema."""
    if value is None:
        return None
    if is_timestamp(schema):
        if to_avro:
            return datetime.datetime.fromtimestamp(value / 1000, UTC)
        return round(value.timestamp() * 1000)
    if isinstance(schema, avro.schema.UnionSchema):
        branch = next(s for s in schema.schemas if s.type != "null")
        return convert(branch, value, to_avro)
    if isinstance(schema, avro.schema.RecordSchema):
        return {field.name: convert(field.type, value[field.name], to_avro) for field in schema.fields}
    if isinstance(schema, avro.schema.ArraySchema):
        return [convert(schema.items, item, to_avro) for item in value]
    if isinstance(schema, avro.schema.MapSchema):
        return {key: convert(schema.values, item, to_avro) for key, item in value.items()}
    return value


def decode(loaded, message):
    data = bytes.fromhex(message["hex"])
    if data[:2] != MAGIC:
        raise ValueError("missing single-object marker, found %s" % data[:2].hex())
    fingerprint = data[2:10]
    matches = [name for name, (_, expected) in loaded.items() if expected == fingerprint]
    if not matches:
        raise ValueError("unknown fingerprint %s" % fingerprint.hex())
    name = matches[0]
    schema = loaded[name][0]
    body = io.BytesIO(data[10:])
    record = avro.io.DatumReader(schema).read(avro.io.BinaryDecoder(body))
    if body.tell() != len(data) - 10:
        raise ValueError("%d trailing bytes after the %s body" % (len(data) - 10 - body.tell(), name))
    return {"name": name, "fingerprint": fingerprint.hex(), "record": convert(schema, record, False)}


def encode(loaded, item):
    schema, fingerprint = loaded[item["name"]]
    body = io.BytesIO()
    avro.io.DatumWriter(schema).write(convert(schema, item["record"], True), avro.io.BinaryEncoder(body))
    return (MAGIC + fingerprint + body.getvalue()).hex()


def main():
    command, directory = sys.argv[1], sys.argv[2]
    loaded = load(directory)
    if command == "fingerprints":
        result = {name: fingerprint.hex() for name, (_, fingerprint) in loaded.items()}
    elif command == "decode":
        result = [decode(loaded, message) for message in json.load(sys.stdin)]
    elif command == "encode":
        result = [encode(loaded, item) for item in json.load(sys.stdin)]
    else:
        raise SystemExit("unknown command %r; use decode, encode or fingerprints" % command)
    json.dump(result, sys.stdout, ensure_ascii=False)


if __name__ == "__main__":
    main()
