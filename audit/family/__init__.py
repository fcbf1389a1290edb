"""Family voice (issue 21): surveys as data (YAML, versioned by content hash), personal single-use survey
links for each sampled plan's family and young person, the responses they give (online or imported from
other survey tools), and the family view beside each plan's audit grade, with disagreements and themes."""
