"""Applications to join the coalition: the public form, the e-mail confirmation, the
applicant's status page and the coordinators' review queue."""
