package reports

// chineseLabelText is every Chinese display text of the label dictionary,
// for the font coverage test.
func chineseLabelText() string { return "" }
