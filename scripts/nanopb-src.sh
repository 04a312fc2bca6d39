#!/bin/sh
# nanopb's C sources (pb_decode.c, pb_encode.c, pb_common.c and their
# headers) of the installed libnanopb-dev's version, from Debian's source
# package, into /usr/local/src/ukata/nanopb-VERSION (or $1). The fuzzers
# build nanopb with their instrumentation from these, so that coverage
# reaches the decoding of what the agent receives. Uses apt-get source,
# with a deb-src entry for Debian's archive added when there is none.
set -eu
v=$(dpkg-query -W -f='${Version}' libnanopb-dev)
dest=${1:-/usr/local/src/ukata/nanopb-$v}
[ -f "$dest/pb_decode.c" ] && exit 0
list=/etc/apt/sources.list.d/ukata-src.sources
if ! grep -rqs '^Types:.*deb-src\|^deb-src ' /etc/apt/sources.list /etc/apt/sources.list.d/; then
	printf 'Types: deb-src\nURIs: http://deb.debian.org/debian\nSuites: bookworm\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' > "$list"
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
apt-get update -qq -o Dir::Etc::sourcelist="$list" -o Dir::Etc::sourceparts=- \
	-o APT::Get::List-Cleanup=0 2> /dev/null || apt-get update -qq
(cd "$tmp" && apt-get source -qq --download-only "nanopb=$v" > /dev/null 2>&1)
orig=$(ls "$tmp"/nanopb_*.orig.tar.* | head -1)
mkdir -p "$tmp/x" "$dest"
tar -xf "$orig" -C "$tmp/x"
top=$(ls -d "$tmp"/x/* | head -1)
for f in pb.h pb_common.h pb_common.c pb_decode.h pb_decode.c pb_encode.h pb_encode.c; do
	cp "$top/$f" "$dest/$f"
done
echo "nanopb $v sources in $dest"
