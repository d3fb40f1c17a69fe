#!/bin/sh
# Refreshes the vendored @dagrejs/dagre browser bundle from the npm registry:
#   web/assets/vendor/refresh.sh [VERSION]   (default: the latest)
# Needs npm. Writes dagre.min.js (without its sourceMappingURL line),
# dagre.LICENSE, and the version and integrity in README.md. Review the
# diff, then run go test ./web/... (the browser tests draw with it).
set -eu
here="$(cd "$(dirname "$0")" && pwd)"
version="${1:-$(npm view @dagrejs/dagre version)}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
npm pack "@dagrejs/dagre@$version" >/dev/null
tgz="$(ls dagrejs-dagre-*.tgz)"
want="$(npm view "@dagrejs/dagre@$version" dist.integrity)"
got="sha512-$(openssl dgst -sha512 -binary "$tgz" | base64 -w0)"
if [ "$want" != "$got" ]; then
	echo "integrity mismatch: registry $want, tarball $got" >&2
	exit 1
fi
tar xzf "$tgz"
sed '/^\/\/# sourceMappingURL=/d' package/dist/dagre.min.js >"$here/dagre.min.js"
cp package/LICENSE "$here/dagre.LICENSE"
graphlib="$(npm view "@dagrejs/dagre@$version" dependencies.@dagrejs/graphlib)"
sed -i -e "s/\*\*@dagrejs\/dagre [0-9.]*\*\*/**@dagrejs\/dagre $version**/" \
	-e "s/\*\*@dagrejs\/graphlib [0-9.]*\*\*/**@dagrejs\/graphlib $graphlib**/" \
	-e "s|\`sha512-[^\`]*\`|\`$want\`|" "$here/README.md"
echo "vendored @dagrejs/dagre $version (graphlib $graphlib)"
