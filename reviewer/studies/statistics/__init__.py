"""Reader-study statistics on plain arrays: agreement, concordance, arms, detection, MRMC export."""
