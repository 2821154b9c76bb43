"""End-to-end evaluation: labelled questions through a running bot (``faqbot eval e2e``)."""
