#!/bin/sh
# Builds the native decode baseline against Debian's libdcmtk-dev and libgdcm-dev.
# usage: build.sh <output binary>
set -e
out="${1:-native-decode}"
here="$(dirname "$0")"
gdcm_inc="$(ls -d /usr/include/gdcm-* | head -n 1)"
g++ -O2 -std=c++17 -o "$out" "$here/native-decode.cpp" \
  -I"$gdcm_inc" \
  -ldcmjpls -ldcmjpeg -ldcmimage -ldcmimgle -ldcmdata -lijg8 -lijg12 -lijg16 -ldcmtkcharls -loflog -lofstd \
  -lgdcmMSFF -lgdcmDSED -lgdcmDICT -lgdcmCommon
