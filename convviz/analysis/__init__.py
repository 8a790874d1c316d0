"""What a trained network's units look for (Qt-free): the data set's patches that excite a unit most,
a picture synthesised to excite it (activation maximisation), and where in a picture a class comes
from (Grad-CAM). After Yosinski et al.'s Deep Visualization Toolbox (2015), for networks the user built."""
