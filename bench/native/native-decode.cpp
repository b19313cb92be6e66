// Native baseline for `lumen bench dicom`: decodes every frame of every file
// given, inside ONE process (no per-file start-up), with dcmtk or GDCM, and
// prints {"library","files","frames","bytes","seconds"} as JSON.
//
// usage: native-decode dcmtk|gdcm <file>...
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dctk.h>
#include <dcmtk/dcmdata/dcrledrg.h>
#include <dcmtk/dcmjpeg/djdecode.h>
#include <dcmtk/dcmjpls/djdecode.h>

#include <gdcmImageReader.h>
#include <gdcmImage.h>

static bool decodeDcmtk(const char *path, size_t &frames, size_t &bytes) {
  DcmFileFormat ff;
  if (ff.loadFile(path).bad()) return false;
  DcmDataset *ds = ff.getDataset();
  Sint32 n = 1;
  ds->findAndGetSint32(DCM_NumberOfFrames, n);
  if (n < 1) n = 1;
  DcmElement *pixelData = nullptr;
  if (ds->findAndGetElement(DCM_PixelData, pixelData).bad() || !pixelData) return false;
  Uint32 frameSize = 0;
  if (pixelData->getUncompressedFrameSize(ds, frameSize).bad()) return false;
  std::vector<char> buffer(frameSize + (frameSize & 1));
  Uint32 startFragment = 0;
  for (Sint32 f = 0; f < n; f++) {
    OFString colorModel;
    if (pixelData->getUncompressedFrame(ds, f, startFragment, buffer.data(), frameSize, colorModel).bad()) return false;
    bytes += frameSize;
    frames++;
  }
  return true;
}

static bool decodeGdcm(const char *path, size_t &frames, size_t &bytes) {
  gdcm::ImageReader reader;
  reader.SetFileName(path);
  if (!reader.Read()) return false;
  const gdcm::Image &image = reader.GetImage();
  std::vector<char> buffer(image.GetBufferLength());
  if (!image.GetBuffer(buffer.data())) return false;
  bytes += buffer.size();
  frames += image.GetNumberOfDimensions() == 3 ? image.GetDimension(2) : 1;
  return true;
}

int main(int argc, char **argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: native-decode dcmtk|gdcm <file>...\n");
    return 2;
  }
  const std::string library = argv[1];
  if (library != "dcmtk" && library != "gdcm") {
    std::fprintf(stderr, "native-decode: unknown library %s (dcmtk or gdcm)\n", library.c_str());
    return 2;
  }
  DJDecoderRegistration::registerCodecs();
  DJLSDecoderRegistration::registerCodecs();
  DcmRLEDecoderRegistration::registerCodecs();
  size_t frames = 0, bytes = 0, failed = 0;
  {
    // Warm-up outside the timer: dcmtk loads its data dictionary on first use.
    size_t f = 0, b = 0;
    if (library == "dcmtk") decodeDcmtk(argv[2], f, b); else decodeGdcm(argv[2], f, b);
  }
  const auto start = std::chrono::steady_clock::now();
  for (int i = 2; i < argc; i++) {
    const bool ok = library == "dcmtk" ? decodeDcmtk(argv[i], frames, bytes) : decodeGdcm(argv[i], frames, bytes);
    if (!ok) failed++;
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("{\"library\":\"%s\",\"files\":%d,\"failed\":%zu,\"frames\":%zu,\"bytes\":%zu,\"seconds\":%.6f}\n", library.c_str(), argc - 2, failed, frames, bytes, seconds);
  DJDecoderRegistration::cleanup();
  DJLSDecoderRegistration::cleanup();
  DcmRLEDecoderRegistration::cleanup();
  return 0;
}
