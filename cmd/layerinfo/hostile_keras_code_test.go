package main

import "testing"

// Hostile Keras code: a layer called in a loop without end (the cap on
// layer calls, at the script's line, within the budget) and models
// nested in each other without end.
func init() {
	hostileCases = append(hostileCases,
		hostileCase{name: "keras code calls in a loop", code: 1, maxMiB: 800,
			want: `loop\.py:5:\d+: layer dense \(Dense\): the script makes more than 262144 layer calls|needs more than`,
			make: func(t *testing.T, dir string) []string {
				src := "import keras\nx = keras.Input((4,))\nd = keras.layers.Dense(4)\nfor i in range(10000000):\n    x = d(x)\nmodel = keras.Model(x, x)\n"
				return []string{writeFile(t, dir, "loop.py", []byte(src))}
			}},
		hostileCase{name: "keras code models nested without end", code: 1, maxMiB: 400,
			want: `nest\.py:\d+:\d+: model .*: models nested more than 64 deep|more than \d+ (objects|steps)`,
			make: func(t *testing.T, dir string) []string {
				src := "import keras\nm = keras.Sequential([keras.Input((4,)), keras.layers.Dense(4)])\nfor i in range(100):\n    m = keras.Sequential([m])\nmodel = m\n"
				return []string{writeFile(t, dir, "nest.py", []byte(src))}
			}},
	)
}
