package metricjobs

// The tests read social_engagement's interactions in chunks of a few
// loads, so that the property tests (TestIncrementalModelsEqualRebuild)
// see several chunks.
func init() { socialChunkRows = 40 }
