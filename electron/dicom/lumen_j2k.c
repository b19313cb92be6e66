/*
 * Lumen's JPEG 2000 entry points over OpenJPEG, compiled to one standalone
 * WASM module (scripts/build-codecs.mjs). electron/dicom/openjpeg.ts loads it.
 *
 * One call decodes one codestream (J2K, or a JP2 file) held in WASM memory:
 *   lumen_j2k_decode(data, length, expectedColumns, expectedRows)
 * It returns 0 and leaves the samples in lumen_j2k_output(), interleaved
 * (RGB...RGB for three components), one byte per sample up to 8 bits of
 * precision and two (little endian, two's complement where signed) up to 16.
 * lumen_j2k_info() then holds: columns, rows, components, precision, signed,
 * bytes per sample. Anything else returns a code from LUMEN_J2K_* below and
 * lumen_j2k_message() says why, in OpenJPEG's words where it gave any.
 *
 * The header's size is checked against the DICOM header's before any tile is
 * allocated, so a codestream that claims a huge image costs nothing.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "openjpeg.h"

enum {
  LUMEN_J2K_OK = 0,
  LUMEN_J2K_SETUP = 1,
  LUMEN_J2K_HEADER = 2,
  LUMEN_J2K_SIZE = 3,
  LUMEN_J2K_DECODE = 4,
  LUMEN_J2K_LAYOUT = 5,
  LUMEN_J2K_MEMORY = 6,
};

typedef struct {
  const uint8_t *data;
  size_t length;
  size_t pos;
} memory_stream;

static OPJ_SIZE_T stream_read(void *buffer, OPJ_SIZE_T n, void *user) {
  memory_stream *m = (memory_stream *)user;
  if (m->pos >= m->length) return (OPJ_SIZE_T)-1;
  size_t left = m->length - m->pos;
  if (n > left) n = left;
  memcpy(buffer, m->data + m->pos, n);
  m->pos += n;
  return n;
}

static OPJ_OFF_T stream_skip(OPJ_OFF_T n, void *user) {
  memory_stream *m = (memory_stream *)user;
  if (n < 0) {
    if ((size_t)(-n) > m->pos) n = -(OPJ_OFF_T)m->pos;
  } else if ((size_t)n > m->length - m->pos) {
    n = (OPJ_OFF_T)(m->length - m->pos);
  }
  m->pos += (size_t)n;
  return n;
}

static OPJ_BOOL stream_seek(OPJ_OFF_T n, void *user) {
  memory_stream *m = (memory_stream *)user;
  if (n < 0 || (size_t)n > m->length) return OPJ_FALSE;
  m->pos = (size_t)n;
  return OPJ_TRUE;
}

static int32_t info[6];
static uint8_t *output = NULL;
static char message[512];

/* Keeps OpenJPEG's first error: later ones are usually its consequences. */
static void on_error(const char *msg, void *user) {
  (void)user;
  if (message[0]) return;
  size_t n = strlen(msg);
  while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == ' ')) n--;
  if (n >= sizeof message) n = sizeof message - 1;
  memcpy(message, msg, n);
  message[n] = 0;
}

static void on_quiet(const char *msg, void *user) {
  (void)msg;
  (void)user;
}

int32_t *lumen_j2k_info(void) { return info; }
uint8_t *lumen_j2k_output(void) { return output; }
const char *lumen_j2k_message(void) { return message; }
uint8_t *lumen_j2k_alloc(uint32_t n) { return (uint8_t *)malloc(n); }
void lumen_j2k_free(void *p) { free(p); }

/* Frees the last frame's samples (the next decode does it too). */
void lumen_j2k_release(void) {
  free(output);
  output = NULL;
}

static int32_t fail(int32_t code, const char *why) {
  if (!message[0] && why) snprintf(message, sizeof message, "%s", why);
  return code;
}

static int32_t convert(const opj_image_t *img) {
  uint32_t n_comps = img->numcomps;
  const opj_image_comp_t *c0 = &img->comps[0];
  uint32_t w = c0->w, h = c0->h, prec = c0->prec;
  for (uint32_t c = 1; c < n_comps; c++) {
    const opj_image_comp_t *ci = &img->comps[c];
    if (ci->w != w || ci->h != h) return fail(LUMEN_J2K_LAYOUT, "components of different sizes (subsampled JPEG 2000) are not supported");
    if (ci->prec != prec || ci->sgnd != c0->sgnd) return fail(LUMEN_J2K_LAYOUT, "components of different precision are not supported");
  }
  if (n_comps != 1 && n_comps != 3) {
    snprintf(message, sizeof message, "%u components (1 or 3 expected)", n_comps);
    return LUMEN_J2K_LAYOUT;
  }
  if (prec < 1 || prec > 16) {
    snprintf(message, sizeof message, "%u-bit samples (up to 16 supported)", prec);
    return LUMEN_J2K_LAYOUT;
  }
  for (uint32_t c = 0; c < n_comps; c++) {
    if (!img->comps[c].data) return fail(LUMEN_J2K_DECODE, "the codestream decoded to no samples");
  }
  uint32_t bytes = prec <= 8 ? 1 : 2;
  size_t count = (size_t)w * h;
  output = (uint8_t *)malloc(count * n_comps * bytes);
  if (!output) return fail(LUMEN_J2K_MEMORY, "out of memory for the decoded frame");
  if (bytes == 1) {
    for (uint32_t c = 0; c < n_comps; c++) {
      const int32_t *d = img->comps[c].data;
      uint8_t *o = output + c;
      for (size_t i = 0; i < count; i++) o[i * n_comps] = (uint8_t)d[i];
    }
  } else if (n_comps == 1) {
    const int32_t *d = c0->data;
    uint16_t *o = (uint16_t *)output;
    for (size_t i = 0; i < count; i++) o[i] = (uint16_t)d[i];
  } else {
    for (uint32_t c = 0; c < n_comps; c++) {
      const int32_t *d = img->comps[c].data;
      uint16_t *o = (uint16_t *)output + c;
      for (size_t i = 0; i < count; i++) o[i * n_comps] = (uint16_t)d[i];
    }
  }
  info[0] = (int32_t)w;
  info[1] = (int32_t)h;
  info[2] = (int32_t)n_comps;
  info[3] = (int32_t)prec;
  info[4] = (int32_t)c0->sgnd;
  info[5] = (int32_t)bytes;
  return LUMEN_J2K_OK;
}

int32_t lumen_j2k_decode(const uint8_t *data, uint32_t length, int32_t expected_columns, int32_t expected_rows) {
  lumen_j2k_release();
  memset(info, 0, sizeof info);
  message[0] = 0;
  if (length < 12) return fail(LUMEN_J2K_HEADER, "the codestream is too short");
  /* A JP2 file starts with its signature box; a raw codestream with SOC (FF 4F). */
  int jp2 = data[4] == 'j' && data[5] == 'P' && data[6] == ' ' && data[7] == ' ';
  opj_codec_t *codec = opj_create_decompress(jp2 ? OPJ_CODEC_JP2 : OPJ_CODEC_J2K);
  if (!codec) return fail(LUMEN_J2K_SETUP, "cannot create the decoder");
  opj_set_error_handler(codec, on_error, NULL);
  opj_set_warning_handler(codec, on_quiet, NULL);
  opj_set_info_handler(codec, on_quiet, NULL);
  opj_dparameters_t params;
  opj_set_default_decoder_parameters(&params);
  opj_stream_t *stream = NULL;
  opj_image_t *img = NULL;
  int32_t rc = LUMEN_J2K_OK;
  if (!opj_setup_decoder(codec, &params)) {
    rc = fail(LUMEN_J2K_SETUP, "cannot set up the decoder");
    goto done;
  }
  memory_stream m = {data, length, 0};
  stream = opj_stream_create(64 * 1024, OPJ_TRUE);
  if (!stream) {
    rc = fail(LUMEN_J2K_MEMORY, "out of memory for the stream");
    goto done;
  }
  opj_stream_set_user_data(stream, &m, NULL);
  opj_stream_set_user_data_length(stream, length);
  opj_stream_set_read_function(stream, stream_read);
  opj_stream_set_skip_function(stream, stream_skip);
  opj_stream_set_seek_function(stream, stream_seek);
  if (!opj_read_header(stream, codec, &img)) {
    rc = fail(LUMEN_J2K_HEADER, "the JPEG 2000 header cannot be read");
    goto done;
  }
  {
    int32_t w = (int32_t)(img->x1 - img->x0), h = (int32_t)(img->y1 - img->y0);
    if ((expected_columns > 0 && w != expected_columns) || (expected_rows > 0 && h != expected_rows)) {
      info[0] = w;
      info[1] = h;
      rc = LUMEN_J2K_SIZE;
      goto done;
    }
  }
  if (!opj_decode(codec, stream, img) || !opj_end_decompress(codec, stream)) {
    rc = fail(LUMEN_J2K_DECODE, "the JPEG 2000 data cannot be decoded");
    goto done;
  }
  rc = convert(img);
done:
  if (img) opj_image_destroy(img);
  if (stream) opj_stream_destroy(stream);
  opj_destroy_codec(codec);
  return rc;
}
