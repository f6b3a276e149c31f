"""The differential suite's models, as Django declares them; djorm's twins are in
../django_diff.rs. Django's default names (diff_author, author_id, diff_book_tags) on both."""

from django.db import models


class Country(models.Model):
    name = models.CharField(max_length=50)
    code = models.CharField(max_length=2, unique=True)
    # Named like a transform: country__year is this field, not the year of a date.
    year = models.IntegerField(null=True)

    class Meta:
        app_label = "diff"
        # By name, so ordering by a key to it follows it (Django's rule for order_by("country")).
        ordering = ["name"]


class Author(models.Model):
    name = models.CharField(max_length=100)
    email = models.CharField(max_length=100, null=True)
    born = models.DateField(null=True)
    rating = models.DecimalField(max_digits=4, decimal_places=2, null=True)
    active = models.BooleanField(default=True)
    country = models.ForeignKey(Country, models.SET_NULL, null=True, related_name="authors")
    mentor = models.ForeignKey("self", models.SET_NULL, null=True, related_name="mentees")

    class Meta:
        app_label = "diff"
        ordering = ["id"]

    def __str__(self):
        return self.name


class Tag(models.Model):
    name = models.CharField(max_length=30)

    class Meta:
        app_label = "diff"
        ordering = ["id"]


class Book(models.Model):
    title = models.CharField(max_length=200)
    author = models.ForeignKey(Author, models.CASCADE, related_name="books")
    pages = models.IntegerField()
    price = models.DecimalField(max_digits=6, decimal_places=2)
    published = models.DateTimeField(null=True)
    # How long it takes to read: negative, sub-second and multi-day values.
    length = models.DurationField(null=True)
    tags = models.ManyToManyField(Tag, related_name="books")

    class Meta:
        app_label = "diff"
        ordering = ["id"]
