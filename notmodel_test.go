package layerinfo

import (
	"errors"
	"strings"
	"testing"

	"github.com/layerinfo/layerinfo/internal/fileio"
)

// TestNotAModel: files that are not what their name says are named as
// such, whether the format is detected or given, for every binary format
// and for model extensions layerinfo does not read.
func TestNotAModel(t *testing.T) {
	pointer := "version https://git-lfs.github.com/spec/v1\noid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393\nsize 1342177\n"
	html := "<!DOCTYPE html>\n<html lang=\"en\"><head><title>Hugging Face – The AI community building the future.</title>"
	for _, name := range []string{"model.onnx", "model.pt", "pytorch_model.bin", "last.ckpt", "model.safetensors", "model.gguf",
		"model.h5", "model.keras", "net.caffemodel", "model"} {
		for _, format := range []string{"", "onnx", "torch", "safetensors", "gguf"} {
			opt := Options{Format: format}
			_, err := Load(t.Context(), Bytes(name, []byte(pointer)), opt)
			if err == nil || !errors.Is(err, fileio.ErrNotModel) || !strings.Contains(err.Error(), name+" is a Git LFS pointer for a 1.3 MB file, not the model: run `git lfs pull`") {
				t.Errorf("%s --format %q: pointer: %v", name, format, err)
			}
			_, err = Load(t.Context(), Bytes(name, nil), opt)
			if err == nil || err.Error() != name+" is empty" {
				t.Errorf("%s --format %q: empty: %v", name, format, err)
			}
			_, err = Load(t.Context(), Bytes(name, []byte(html)), opt)
			if err == nil || !strings.HasPrefix(err.Error(), name+" is an HTML page, not a model (a download that saved an error or login page?") {
				t.Errorf("%s --format %q: html: %v", name, format, err)
			}
		}
	}
	for name, data := range map[string]string{
		"saved_model.pb": "\x08\x01\x12\x10", // starts as an ONNX ModelProto does
	} {
		_, err := Load(t.Context(), Bytes(name, []byte(data)), Options{})
		if err == nil || !errors.Is(err, ErrUnrecognized) || !strings.Contains(err.Error(), "which layerinfo does not read") {
			t.Errorf("%s: %v", name, err)
		}
	}
	// Keras files are read since issue 11: a broken one is the Keras
	// reader's error, at its byte offset.
	_, err := Load(t.Context(), Bytes("model.h5", []byte("\x89HDF\r\n\x1a\n\x00\x00\x00\x00")), Options{})
	if err == nil || !strings.HasPrefix(err.Error(), "model.h5: offset ") {
		t.Errorf("hdf5: %v", err)
	}
	_, err = Load(t.Context(), Bytes("model.keras", []byte("PK\x03\x04\x14\x00")), Options{})
	if err == nil || !strings.HasPrefix(err.Error(), "model.keras: ") || !strings.Contains(err.Error(), "zip") {
		t.Errorf("keras zip: %v", err)
	}
}
