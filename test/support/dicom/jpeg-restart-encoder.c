/*
 * A JPEG encoder for test fixtures that dcmcjpeg cannot make: streams with
 * restart intervals (DRI and RSTn markers), scans of one component each, and
 * progressive streams (IJG's simple progression script) with either.
 * It is GDCM's build of the IJG library with the lossless patch
 * (libgdcmjpeg8, 12 and 16, as gdcmconv uses it), compiled once per sample
 * precision by jpeg-encoder.ts; nothing of it is Lumen's decoding.
 *
 * usage: jpeg-restart-encoder <mode> <columns> <rows> <components> <precision>
 *          <restart> <colour> <scans> <in.raw> <out.jpg>
 *   mode:     dct | lossless:<predictor 1-7>:<point transform>
 *   restart:  none | mcus:<n> | rows:<n>
 *   colour:   grey | rgb (no transform) | ycc444 | ycc422 | ycc420
 *   scans:    interleaved | separate (one scan per component)
 *             | progressive (DC and AC scans with successive approximation)
 *   in.raw:   samples, colour interleaved; 1 byte each for 8 bits, else
 *             2 bytes little-endian
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "jpeglib.h"

static int fail(const char *why) {
  fprintf(stderr, "jpeg-restart-encoder: %s\n", why);
  return 2;
}

int main(int argc, char **argv) {
  if (argc != 11) return fail("expected 10 arguments");
  const char *mode = argv[1];
  int columns = atoi(argv[2]);
  int rows = atoi(argv[3]);
  int components = atoi(argv[4]);
  int precision = atoi(argv[5]);
  const char *restart = argv[6];
  const char *colour = argv[7];
  const char *scans = argv[8];
  if (columns < 1 || rows < 1 || (components != 1 && components != 3)) return fail("bad image size");
  if (precision > BITS_IN_JSAMPLE) return fail("precision above this build's samples");

  FILE *in = fopen(argv[9], "rb");
  if (!in) return fail("cannot open the input");
  size_t count = (size_t)columns * rows * components;
  size_t width = BITS_IN_JSAMPLE > 8 ? 2 : 1;
  unsigned char *raw = malloc(count * width);
  if (fread(raw, width, count, in) != count) return fail("input too short");
  fclose(in);
  JSAMPLE *samples = malloc(count * sizeof(JSAMPLE));
  for (size_t i = 0; i < count; i++) samples[i] = (JSAMPLE)(width == 2 ? raw[2 * i] | (raw[2 * i + 1] << 8) : raw[i]);

  FILE *out = fopen(argv[10], "wb");
  if (!out) return fail("cannot open the output");
  struct jpeg_compress_struct cinfo;
  struct jpeg_error_mgr jerr;
  cinfo.err = jpeg_std_error(&jerr);
  jpeg_create_compress(&cinfo);
  jpeg_stdio_dest(&cinfo, out);
  cinfo.image_width = columns;
  cinfo.image_height = rows;
  cinfo.input_components = components;
  cinfo.in_color_space = components == 3 ? JCS_RGB : JCS_GRAYSCALE;
  jpeg_set_defaults(&cinfo);
  cinfo.data_precision = precision;
  cinfo.optimize_coding = TRUE;

  int lossless = strncmp(mode, "lossless:", 9) == 0;
  int predictor = 1, pt = 0;
  if (lossless && sscanf(mode + 9, "%d:%d", &predictor, &pt) != 2) return fail("bad lossless mode");
  if (!lossless && strcmp(mode, "dct") != 0) return fail("bad mode");

  if (components == 3) {
    if (strcmp(colour, "rgb") == 0 || lossless) {
      jpeg_set_colorspace(&cinfo, JCS_RGB);
    } else {
      jpeg_set_colorspace(&cinfo, JCS_YCbCr);
      cinfo.comp_info[0].h_samp_factor = strcmp(colour, "ycc444") == 0 ? 1 : 2;
      cinfo.comp_info[0].v_samp_factor = strcmp(colour, "ycc420") == 0 ? 2 : 1;
    }
    /* No JFIF marker: the DICOM attribute says what the components are. */
    cinfo.write_JFIF_header = FALSE;
  }
  /* After the colour space, which sets the components the scan script names. */
  if (lossless) jpeg_simple_lossless(&cinfo, predictor, pt);
  else jpeg_set_quality(&cinfo, 90, FALSE);

  jpeg_scan_info script[3];
  if (strcmp(scans, "separate") == 0 && components == 3) {
    for (int c = 0; c < 3; c++) {
      memset(&script[c], 0, sizeof script[c]);
      script[c].comps_in_scan = 1;
      script[c].component_index[0] = c;
      if (lossless) {
        script[c].Ss = predictor;
        script[c].Al = pt;
      } else {
        script[c].Se = 63;
      }
    }
    cinfo.scan_info = script;
    cinfo.num_scans = 3;
  } else if (strcmp(scans, "progressive") == 0) {
    if (lossless) return fail("progressive is a DCT mode");
    jpeg_simple_progression(&cinfo);
  }

  if (strncmp(restart, "mcus:", 5) == 0) cinfo.restart_interval = atoi(restart + 5);
  else if (strncmp(restart, "rows:", 5) == 0) cinfo.restart_in_rows = atoi(restart + 5);
  else if (strcmp(restart, "none") != 0) return fail("bad restart");

  jpeg_start_compress(&cinfo, TRUE);
  JSAMPROW row[1];
  while (cinfo.next_scanline < cinfo.image_height) {
    row[0] = samples + (size_t)cinfo.next_scanline * columns * components;
    jpeg_write_scanlines(&cinfo, row, 1);
  }
  jpeg_finish_compress(&cinfo);
  jpeg_destroy_compress(&cinfo);
  fclose(out);
  free(raw);
  free(samples);
  return 0;
}
