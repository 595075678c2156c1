package ingest

// SetMaxWindow sets the files one INSERT can take rows of and returns a
// function that restores it.
func SetMaxWindow(n int) func() {
	old := maxWindow
	maxWindow = n
	return func() { maxWindow = old }
}
