"""A protobuf reader that knows only the wire format (varints, fixed and
length-delimited fields), for checking the Perfetto traces conctop writes
independently of conctop: test_perfetto decodes their messages with it,
test_index compares their packets."""


def varint(buf, i):
    """A varint at buf[i]: (value, next index)."""
    v = shift = 0
    while True:
        b = buf[i]
        i += 1
        v |= (b & 0x7F) << shift
        shift += 7
        if b < 0x80:
            return v, i


def fields(buf):
    """The fields of a message: list of (number, wire type, value)."""
    out, i = [], 0
    while i < len(buf):
        key, i = varint(buf, i)
        num, wt = key >> 3, key & 7
        if wt == 0:
            v, i = varint(buf, i)
        elif wt == 1:
            v, i = int.from_bytes(buf[i:i + 8], "little"), i + 8
        elif wt == 2:
            n, i = varint(buf, i)
            v, i = buf[i:i + n], i + n
        elif wt == 5:
            v, i = int.from_bytes(buf[i:i + 4], "little"), i + 4
        else:
            raise ValueError(f"wire type {wt}")
        out.append((num, wt, v))
    return out


def packets(path):
    """The packets of a Perfetto trace file (Trace.packet = 1), as bytes."""
    with open(path, "rb") as f:
        return [v for num, _, v in fields(f.read()) if num == 1]
