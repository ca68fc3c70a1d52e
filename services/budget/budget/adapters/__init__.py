"""Code that speaks the outside world's formats: pabulib .pb files (researchers' participatory budgets) and the City
of Paris's open data of winning projects. Plain Python: the use cases (handlers/) read and write through them."""
