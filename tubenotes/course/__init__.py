"""The course as a whole: a study guide, a final exam and a concept map per subject (the course-level stage)."""
