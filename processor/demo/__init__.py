"""Built-in demo data: a provincial roster, the 2021 reference report and a scenario."""
