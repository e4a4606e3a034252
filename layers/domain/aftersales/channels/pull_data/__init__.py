"""Platform code tables for the pull channels (淘宝 TMC, 京东, 拼多多), kept as data."""
