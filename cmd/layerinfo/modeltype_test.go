package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Configurations without model_type, written in format/hf/testdata from
// the released models' hyperparameters.
const (
	googleBERT = "../../format/hf/testdata/uncased_L-12_H-768_A-12/bert_config.json"
	robertaCfg = "../../format/hf/testdata/roberta-base/config.json"
)

// refParams is transformers' parameter count and class for a reference
// model, or a skip without the shared folder.
func refParams(t *testing.T, model string) (int64, string) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("../../../shared/reference/hf", model, "expected.json"))
	if os.IsNotExist(err) {
		t.Skip("no ../shared/reference/hf (the shared reference folder is beside the checkout)")
	}
	if err != nil {
		t.Fatal(err)
	}
	var e struct {
		Class  string
		Counts struct{ Params int64 }
	}
	if err := json.Unmarshal(raw, &e); err != nil {
		t.Fatal(err)
	}
	return e.Counts.Params, e.Class
}

type hfReport struct {
	Totals      struct{ Params int64 }
	Transformer struct{ Class string }
	Notes       []string
}

func hfJSON(t *testing.T, args []string, stdin string) hfReport {
	t.Helper()
	code, out, errs := runCLI(append([]string{"--json"}, args...), stdin)
	if code != exitOK {
		t.Fatalf("%v: exit %d: %s", args, code, errs)
	}
	var r hfReport
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	return r
}

// TestConfigWithoutModelType: Google's bert_config.json is detected as a
// transformers configuration and built as bert-base, from a file (its
// name) and from standard input (its keys); --model-type picks RoBERTa for
// BERT-shaped keys.
func TestConfigWithoutModelType(t *testing.T) {
	bert, bertClass := refParams(t, "bert-base-uncased")
	src, err := os.ReadFile(googleBERT)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args  []string
		stdin string
		note  string
	}{
		{[]string{googleBERT}, "", `read as bert from the name "bert_config.json"`},
		{[]string{"-"}, string(src), "read as bert from its keys"},
	} {
		r := hfJSON(t, c.args, c.stdin)
		if r.Totals.Params != bert || r.Transformer.Class != bertClass {
			t.Errorf("%v: %s with %d params, want %s with %d", c.args, r.Transformer.Class, r.Totals.Params, bertClass, bert)
		}
		if !strings.Contains(strings.Join(r.Notes, "\n"), c.note) {
			t.Errorf("%v: notes %q lack %q", c.args, r.Notes, c.note)
		}
	}
	roberta, robertaClass := refParams(t, "roberta-base")
	src, err = os.ReadFile(robertaCfg)
	if err != nil {
		t.Fatal(err)
	}
	r := hfJSON(t, []string{"--model-type", "roberta", "-"}, string(src))
	if r.Totals.Params != roberta || r.Transformer.Class != robertaClass {
		t.Errorf("--model-type roberta: %s with %d params, want %s with %d", r.Transformer.Class, r.Totals.Params, robertaClass, roberta)
	}
}
