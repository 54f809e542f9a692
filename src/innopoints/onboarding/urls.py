from django.urls import path

from innopoints.onboarding import review, views

app_name = "onboarding"
urlpatterns = [
    path("", views.register, name="register"),
    path("verify/", views.verify, name="verify"),
    path("password/", views.password, name="password"),
    path("submitted/", views.submitted, name="submitted"),
    path("review/", review.review_list, name="review_list"),
    path("review/<int:pk>/", review.review, name="review"),
    path("settings/", review.policies, name="policies"),
]
