package spec

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"regexp"
	"strings"
)

// Sniff reports whether a file looks like a spec: any .yaml or .yml file
// that is not a Keras or Hugging Face one, and .json files or standard
// input (no extension) whose content is a mapping with a `layers` list of
// entries that have a `type`, without Keras's class_name or Hugging Face's
// model_type. head is the start of the file.
func Sniff(name string, head []byte) bool {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".yaml", ".yml":
		return !foreignYAML.Match(head)
	case ".json", "":
	default:
		return false
	}
	t := bytes.TrimLeft(head, " \t\r\n\ufeff")
	if len(t) > 0 && t[0] == '{' {
		return sniffJSON(t)
	}
	return !foreignYAML.Match(head) && yamlLayers.Match(head)
}

var (
	// foreignYAML is a top-level key of a Keras model or a Hugging Face
	// config written as YAML.
	foreignYAML = regexp.MustCompile(`(?m)^(class_name|model_type|keras_version)\s*:`)
	// yamlLayers is a top-level layers list whose entries have a type.
	yamlLayers = regexp.MustCompile(`(?ms)^layers\s*:.*?\btype\s*:`)
)

// sniffJSON reads the top-level keys of a JSON object as far as head
// goes: a `layers` array whose first entry has a `type` key says spec,
// unless a class_name or model_type key comes before it (Keras and
// Hugging Face write theirs first).
func sniffJSON(head []byte) bool {
	dec := json.NewDecoder(bytes.NewReader(head))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return false
	}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return false
		}
		key, _ := t.(string)
		switch key {
		case "class_name", "model_type", "keras_version", "architectures":
			return false
		case "layers":
			return firstHasType(dec)
		}
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return false
		}
	}
	return false
}

// firstHasType reads `[{…` and reports whether the first entry has a
// "type" key; the decoder is left somewhere inside the array.
func firstHasType(dec *json.Decoder) bool {
	if t, err := dec.Token(); err != nil || t != json.Delim('[') {
		return false
	}
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return false
	}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return false
		}
		if t == "type" {
			return true
		}
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return false
		}
	}
	return false
}
