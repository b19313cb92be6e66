/*
 * Lumen's JPEG (baseline and extended, sequential and progressive) entry
 * points over libjpeg-turbo's decoder, compiled twice to standalone WASM
 * modules (scripts/build-codecs.mjs): libjpeg.wasm with 8-bit samples and
 * libjpeg12.wasm with 12-bit ones (BITS_IN_JSAMPLE, from the config headers
 * of each build). electron/dicom/libjpeg.ts loads both.
 *
 *   lumen_jpeg_decode(data, length, expectedColumns, expectedRows)
 * returns 0 and leaves the samples in lumen_jpeg_output(), interleaved,
 * one JSAMPLE each (a byte; 16 bits little-endian in the 12-bit build);
 * lumen_jpeg_info() then holds columns, rows, components and
 * whether YCbCr was converted to RGB. A size that differs from the DICOM
 * header's returns 3 before any scanline is decoded.
 *
 * libjpeg reports a fatal error through error_exit, which must not return.
 * Emscripten's setjmp/longjmp needs its JavaScript glue, which this module
 * does without, so error_exit keeps libjpeg's message and traps: the caller
 * gets a WebAssembly RuntimeError, reads lumen_jpeg_message(), and throws the
 * instance away (its heap may hold the abandoned decoder).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jpeglib.h"

enum { LUMEN_JPEG_OK = 0, LUMEN_JPEG_SIZE = 3, LUMEN_JPEG_LAYOUT = 5, LUMEN_JPEG_MEMORY = 6 };

static int32_t info[4];
static uint8_t *output = NULL;
static char message[JMSG_LENGTH_MAX + 64];

int32_t *lumen_jpeg_info(void) { return info; }
uint8_t *lumen_jpeg_output(void) { return output; }
const char *lumen_jpeg_message(void) { return message; }
uint8_t *lumen_jpeg_alloc(uint32_t n) { return (uint8_t *)malloc(n); }
void lumen_jpeg_free(void *p) { free(p); }

void lumen_jpeg_release(void) {
  free(output);
  output = NULL;
}

static void on_error(j_common_ptr cinfo) {
  (*cinfo->err->format_message)(cinfo, message);
  __builtin_trap();
}

/* Warnings (such as a premature end of data) are not fatal: libjpeg fills in what is missing. */
static void on_message(j_common_ptr cinfo) { (void)cinfo; }

int32_t lumen_jpeg_decode(const uint8_t *data, uint32_t length, int32_t expected_columns, int32_t expected_rows) {
  lumen_jpeg_release();
  memset(info, 0, sizeof info);
  message[0] = 0;
  struct jpeg_decompress_struct d;
  struct jpeg_error_mgr err;
  d.err = jpeg_std_error(&err);
  err.error_exit = on_error;
  err.output_message = on_message;
  jpeg_create_decompress(&d);
  jpeg_mem_src(&d, data, length);
  jpeg_read_header(&d, TRUE);
  if ((expected_columns > 0 && (int32_t)d.image_width != expected_columns) || (expected_rows > 0 && (int32_t)d.image_height != expected_rows)) {
    info[0] = (int32_t)d.image_width;
    info[1] = (int32_t)d.image_height;
    jpeg_destroy_decompress(&d);
    return LUMEN_JPEG_SIZE;
  }
  if (d.num_components != 1 && d.num_components != 3) {
    snprintf(message, sizeof message, "%d components (1 or 3 expected)", d.num_components);
    jpeg_destroy_decompress(&d);
    return LUMEN_JPEG_LAYOUT;
  }
  int32_t converted = d.jpeg_color_space == JCS_YCbCr && d.num_components == 3;
  d.out_color_space = d.num_components == 3 ? JCS_RGB : JCS_GRAYSCALE;
  d.dct_method = JDCT_ISLOW;
  jpeg_start_decompress(&d);
  size_t stride = (size_t)d.output_width * (size_t)d.output_components * sizeof(JSAMPLE);
  output = (uint8_t *)malloc(stride * d.output_height);
  if (!output) {
    snprintf(message, sizeof message, "out of memory for a %ux%u frame", d.output_width, d.output_height);
    jpeg_destroy_decompress(&d);
    return LUMEN_JPEG_MEMORY;
  }
  while (d.output_scanline < d.output_height) {
    JSAMPROW rows[4];
    JDIMENSION n = 0;
    for (; n < 4 && d.output_scanline + n < d.output_height; n++) rows[n] = (JSAMPROW)(output + stride * (d.output_scanline + n));
    jpeg_read_scanlines(&d, rows, n);
  }
  info[0] = (int32_t)d.output_width;
  info[1] = (int32_t)d.output_height;
  info[2] = (int32_t)d.output_components;
  info[3] = converted;
  jpeg_finish_decompress(&d);
  jpeg_destroy_decompress(&d);
  return LUMEN_JPEG_OK;
}
