module github.com/layerinfo/layerinfo

go 1.26.8

require (
	github.com/goccy/go-yaml v1.19.2
	go.starlark.net v0.0.0-20260908191801-89a6a09411d5
	google.golang.org/protobuf v1.36.12
)

require (
	github.com/rogpeppe/go-internal v1.16.0
	golang.org/x/sys v0.42.0
)

require golang.org/x/tools v0.26.0 // indirect
