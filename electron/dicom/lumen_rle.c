/*
 * RLE Lossless (DICOM PS3.5 Annex G): the PackBits loop of one segment, for
 * electron/dicom/rle.ts, which checks the header and the segment offsets and
 * calls this once per segment. Compiled to WASM by scripts/build-codecs.mjs;
 * it runs about three times as fast as the same loop in JavaScript (the
 * strided byte stores of a 16-bit frame are where JavaScript loses).
 *
 * lumen_rle_segment decodes data[start..end) into out[o], out[o + stride], ...
 * while o < limit, and returns the output position it reached: a segment that
 * ends early returns less than limit, and the caller says how many pixels it
 * held. A replicate run at the very end of the segment repeats 0, as the
 * JavaScript loop does.
 */
#include <stdint.h>
#include <stdlib.h>

uint8_t *lumen_rle_alloc(uint32_t n) { return (uint8_t *)malloc(n); }
void lumen_rle_free(void *p) { free(p); }

int32_t lumen_rle_segment(const uint8_t *data, int32_t start, int32_t end, uint8_t *out, int32_t o, int32_t limit, int32_t stride) {
  int32_t i = start;
  while (i < end && o < limit) {
    int32_t n = data[i++];
    if (n == 128) continue; /* no operation */
    /* Each run is clamped once, to the segment's end and to the room left. */
    int32_t room = (limit - o + stride - 1) / stride;
    if (n < 128) {
      /* a literal run of n + 1 bytes */
      int32_t count = n + 1;
      if (count > end - i) count = end - i;
      if (count > room) count = room;
      if (stride == 1) {
        for (int32_t k = 0; k < count; k++) out[o + k] = data[i + k];
        o += count;
        i += count;
      } else {
        for (int32_t k = 0; k < count; k++, o += stride) out[o] = data[i++];
      }
    } else {
      /* 257 - n copies of the next byte */
      uint8_t v = i < end ? data[i] : 0;
      i++;
      int32_t count = 257 - n;
      if (count > room) count = room;
      if (stride == 1) {
        for (int32_t k = 0; k < count; k++) out[o + k] = v;
        o += count;
      } else {
        for (int32_t k = 0; k < count; k++, o += stride) out[o] = v;
      }
    }
  }
  return o;
}
