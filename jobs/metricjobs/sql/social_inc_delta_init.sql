CREATE OR REPLACE TEMP TABLE social_delta (month INTEGER, dimension VARCHAR, key VARCHAR, subkey VARCHAR, interactions BIGINT,
	views BIGINT, likes BIGINT, comments BIGINT, shares BIGINT, clicks BIGINT, users BIGINT, customers BIGINT)
