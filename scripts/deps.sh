#!/bin/sh
# Install every build and test dependency of ukata on Debian 12 with apt-get.
# Idempotent: when everything is present it prints nothing and changes nothing.
set -eu

PKGS="make gcc libc6-dev musl-tools kconfig-frontends-nox
nanopb libnanopb-dev libmbedtls-dev libjsmn-dev libinih-dev
clang libclang-rt-14-dev file binutils
qemu-system-x86 busybox-static cpio xz-utils
python3 python3-grpcio python3-grpc-tools python3-protobuf protobuf-compiler
libnghttp2-dev util-linux iproute2
golang-go golang-github-hashicorp-yamux-dev golang-github-containerd-ttrpc-dev
libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev g++
containerd runc strace containernetworking-plugins prometheus"

missing=""
for p in $PKGS; do
	st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
	[ "$st" = "installed" ] || missing="$missing $p"
done
# nanopb's C sources, the version of the installed library, from Debian's
# source package (scripts/nanopb-src.sh): the fuzzers build its decoder
# with their instrumentation.
nanopb_src() {
	v=$(dpkg-query -W -f='${Version}' libnanopb-dev 2>/dev/null || true)
	[ -n "$v" ] && [ -f "/usr/local/src/ukata/nanopb-$v/pb_decode.c" ]
}
[ -z "$missing" ] && nanopb_src && exit 0

if [ "$(id -u)" -ne 0 ]; then
	if command -v sudo >/dev/null 2>&1; then SUDO=sudo; else
		echo "deps: need root to install:$missing" >&2; exit 1
	fi
else
	SUDO=
fi
export DEBIAN_FRONTEND=noninteractive
if [ -n "$missing" ]; then
	echo "deps: installing:$missing"
	$SUDO apt-get update -qq
	# shellcheck disable=SC2086
	$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi
nanopb_src || $SUDO sh "$(dirname "$0")/nanopb-src.sh"
