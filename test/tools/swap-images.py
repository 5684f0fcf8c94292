#!/usr/bin/python3
"""swap-images.py DIR M: M small disk images DIR/0.img .. DIR/(M-1).img,
each with a swap signature whose UUID is 5b1e2c3d-0000-4000-8000-%012d
(the image's number): a filesystem UUID (udev's ID_FS_UUID) for specs to
name the disk by, without M mkfs runs.  For the activation storm tests
(test/bats/storm.bats) and benchmark (bench/scale.sh)."""
import os
import struct
import sys
import uuid

d, m = sys.argv[1], int(sys.argv[2])
os.makedirs(d, exist_ok=True)
for i in range(m):
    page = bytearray(4096)
    # swap header v1: version, last_page, nr_badpages, uuid; magic at the end
    struct.pack_into("<III", page, 1024, 1, 1023, 0)
    page[1036:1052] = uuid.UUID("5b1e2c3d-0000-4000-8000-%012d" % i).bytes
    page[4086:4096] = b"SWAPSPACE2"
    with open(f"{d}/{i}.img", "wb") as f:
        f.write(page)
        f.truncate(4 << 20)
