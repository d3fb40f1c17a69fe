package keras

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/layerinfo/layerinfo/infer"
	"github.com/layerinfo/layerinfo/internal/budget"
	"github.com/layerinfo/layerinfo/stats"
)

// FuzzDecodeCode: no script panics the Keras code front-end, or
// inference on the graph it made; what the script makes is charged to a
// small budget and its steps are capped.
func FuzzDecodeCode(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/*.py")
	ref, _ := filepath.Glob(filepath.Join(refDir, "code", "*.py"))
	for _, p := range append(seeds, ref...) {
		if data, err := os.ReadFile(p); err == nil && len(data) <= 8<<10 {
			f.Add(data)
		}
	}
	for _, s := range []string{
		"import keras\nm = keras.Sequential([keras.layers.Dense(3, input_shape=(4,))])\n",
		"from tensorflow.keras import layers, Model, Input\na = Input((4, 4, 3))\nb = layers.Conv2D(2, 3)(a)\nc = layers.add([b, b])\nm = Model(a, [b, c])\n",
		"import keras\nclass M(keras.Model):\n    def __init__(self):\n        super().__init__()\n        self.d = keras.layers.Dense(2)\n    def call(self, x):\n        return self.d(x) + x\nm = M()\nm.build((None, 2))\n",
		"import keras\nx = keras.Input((3,))\ny = keras.layers.Lambda(lambda t: t * 2)(x)\nm = keras.Model(x, y)\n",
		"import keras\nx = keras.Input((5, 3))\ny = x[:, 1:-1:2, None] + x[..., :1][:, :2, None]\nm = keras.Model(x, y)\n",
		"import keras\nclass L(keras.layers.Layer):\n    def build(self, s):\n        self.w = self.add_weight(shape=(s[-1], 2))\n    def call(self, x):\n        return keras.ops.matmul(x, self.w)\nm = keras.Sequential([keras.Input((4,)), L()])\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		b := budget.New(64 << 20)
		g, err := DecodeCode("f.py", data, CodeOptions{Budget: b, MaxSteps: 200_000})
		if err != nil {
			return
		}
		if err := g.Validate(); err != nil {
			t.Fatalf("invalid graph: %v", err)
		}
		if infer.Run(g, infer.Options{KeepGoing: true}) == nil {
			if _, err := stats.Build(g); err != nil {
				t.Logf("stats: %v", err)
			}
		}
	})
}
