from fastapi import APIRouter

router = APIRouter()  # /stats/..., /checks
