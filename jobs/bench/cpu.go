package bench

import "runtime"

func runtimeNumCPU() int { return runtime.GOMAXPROCS(0) }
