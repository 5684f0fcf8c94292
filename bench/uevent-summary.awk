# bench/uevent-summary.awk: count kernel uevents from
# `udevadm monitor --kernel --subsystem-match=block`, whose lines read
#   KERNEL[123.456789] add      /devices/virtual/block/dm-0 (block)
# Prints "ev.CLASS.ACTION COUNT" lines, CLASS "dm" for device-mapper
# devices and the kernel name without its number otherwise (loop, ...),
# and "ev.dm.devices COUNT": how many distinct dm devices had events.
/^KERNEL\[/ {
	action = $2
	dev = $3
	sub(/.*\//, "", dev)
	class = dev
	sub(/[0-9]+$/, "", class)
	if (class == "dm-")
		class = "dm"
	n["ev." class "." action]++
	if (class == "dm" && !(dev in seen)) {
		seen[dev] = 1
		n["ev.dm.devices"]++
	}
}
END {
	for (k in n)
		print k "\t" n[k]
}
